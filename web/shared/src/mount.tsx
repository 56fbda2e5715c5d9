import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, type RouteObject } from 'react-router';
import { createQueryClient } from './lib/query-client';
import { AppRoutes } from './lib/routes';

/**
 * Starts an SPA on its routes: one QueryClient, a declarative router
 * (ADR 031). Navigations are plain state updates, not transitions, so a
 * `flushSync(() => navigate(...))` renders the new page at once. In
 * `vite --mode mock` the msw worker starts first (loaded only in that mode,
 * never part of a production bundle).
 */
export async function mount(routes: RouteObject[]): Promise<void> {
  if (import.meta.env.MODE === 'mock') {
    const { startMockWorker } = await import('./mocks/browser');
    await startMockWorker();
  }
  const queryClient = createQueryClient();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter useTransitions={false}>
          <AppRoutes routes={routes} />
        </BrowserRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
}
