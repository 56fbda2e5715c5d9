import { lazy, Suspense, type ComponentType } from 'react';
import { useRoutes, type RouteObject } from 'react-router';
import { RouteLoading } from '../components/status';

/**
 * A page loaded on demand: its code is a chunk of its own, fetched the first
 * time the route renders, never part of the first page (ADR 031). `load`
 * must be a literal `import()` of the route module, so the bundler sees the
 * split. While the chunk loads, the page's place shows `RouteLoading`.
 */
export function onDemand(path: string, load: () => Promise<{ Component: ComponentType }>): RouteObject {
  const Page = lazy(async () => ({ default: (await load()).Component }));
  return {
    path,
    element: (
      <Suspense fallback={<RouteLoading />}>
        <Page />
      </Suspense>
    ),
  };
}

/**
 * Renders route objects in a declarative router (`BrowserRouter`,
 * `MemoryRouter`). Not react-router's data router (createBrowserRouter): no
 * page uses loaders, actions or fetchers, and the data router weighs about
 * 16 kB gzip on each app's first page (ADR 031).
 */
export function AppRoutes({ routes }: { routes: RouteObject[] }) {
  return useRoutes(routes);
}
