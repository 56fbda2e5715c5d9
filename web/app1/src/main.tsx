import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@sso/web-shared/styles.css';
import { App } from './app/app';

async function main() {
  if (import.meta.env.MODE === 'mock') {
    const { startMockWorker } = await import('@sso/web-shared/mocks/browser');
    await startMockWorker();
  }
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void main();
