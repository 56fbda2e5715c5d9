import { Navigate, type RouteObject } from 'react-router';
import { onDemand } from '@sso/web-shared';
import { RootLayout } from './routes/root-layout';
import { ProfileRoute } from './routes/profile';

/** App 2's routes. */
export const routes: RouteObject[] = [
  {
    element: <RootLayout />,
    children: [
      { index: true, element: <ProfileRoute /> },
      onDemand('security', async () => ({ Component: (await import('./routes/security')).SecurityRoute })),
      onDemand('signed-out', async () => ({ Component: (await import('./routes/signed-out')).SignedOutRoute })),
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
];
