import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { flushSync } from 'react-dom';
import { createBrowserRouter, RouterProvider, type RouteObject } from 'react-router';
import { createQueryClient } from './lib/query-client';

/**
 * Starts an SPA on its routes: one QueryClient, a data router. In
 * `vite --mode mock` the msw worker starts first (loaded only in that mode,
 * never part of a production bundle).
 */
export async function mount(routes: RouteObject[]): Promise<void> {
  if (import.meta.env.MODE === 'mock') {
    const { startMockWorker } = await import('./mocks/browser');
    await startMockWorker();
  }
  const queryClient = createQueryClient();
  const router = createBrowserRouter(routes);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        {/* What react-router/dom passes: navigate(to, { flushSync: true }) then renders at once. */}
        <RouterProvider router={router} flushSync={(fn) => void flushSync(fn)} />
      </QueryClientProvider>
    </StrictMode>,
  );
}
