import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { MemoryRouter, useLocation, useNavigate, type Location, type NavigateFunction, type RouteObject } from 'react-router';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { cleanup } from '@testing-library/react';
import { handlers } from '../mocks/handlers';
import { resetMockDb } from '../mocks/db';
import { createQueryClient } from '../lib/query-client';
import { navigation } from '../lib/navigation';
import { AppRoutes } from '../lib/routes';

/** The msw server every SPA test talks to: the same handlers as dev:mock. */
export const server = setupServer(...handlers);

/** Call once from each app's setup file. Unhandled requests fail the test. */
export function installMockServer(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    cleanup();
    server.resetHandlers();
    resetMockDb();
    localStorage.clear(); // the tabs' shared renewal note
    vi.restoreAllMocks();
  });
  afterAll(() => server.close());
}

/** What a test reads of the router: the location it shows now. */
export interface TestRouter {
  state: { location: Location };
  /** Navigates inside the rendered routes, as a link in the page would. */
  navigate: NavigateFunction;
}

/** Keeps `router.state.location` on the location the routes last rendered. */
function LocationProbe({ router }: { router: TestRouter }) {
  router.state = { location: useLocation() };
  router.navigate = useNavigate();
  return null;
}

/** Renders an app's routes at `path` (the router `mount` uses, in memory) with a fresh QueryClient (no retries). */
export function renderRoutes(routes: RouteObject[], path = '/'): { router: TestRouter } & ReturnType<typeof render> {
  const router = { state: {} } as TestRouter;
  const queryClient = createQueryClient({ retry: false });
  const result = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]} useTransitions={false}>
        <LocationProbe router={router} />
        <AppRoutes routes={routes} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { router, ...result };
}

/** Captures full-page navigations (to the other app) instead of performing them. */
export function captureNavigation() {
  return vi.spyOn(navigation, 'assign').mockImplementation(() => undefined);
}

export { resetMockDb, mockDb, MOCK_TOTP_CODE } from '../mocks/db';
export { problem } from '../mocks/handlers';
