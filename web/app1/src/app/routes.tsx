import { Navigate, type RouteObject } from 'react-router';
import { RouteLoading } from '@sso/web-shared';
import { RootLayout } from './routes/root-layout';
import { LoginRoute } from './routes/login';

/** App 1's routes. The sign-in page is the first page; the rest load on demand. */
export const routes: RouteObject[] = [
  {
    element: <RootLayout />,
    children: [
      { index: true, element: <Navigate to="/account" replace /> },
      { path: 'login', element: <LoginRoute /> },
      { path: 'login/second-factor', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/second-factor')).SecondFactorRoute }) },
      { path: 'signup', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/signup')).SignupRoute }) },
      { path: 'forgot-password', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/forgot-password')).ForgotPasswordRoute }) },
      { path: 'reset-password', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/reset-password')).ResetPasswordRoute }) },
      { path: 'account', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/account')).AccountRoute }) },
      { path: '*', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/not-found')).NotFoundRoute }) },
    ],
  },
];
