import { Navigate, type RouteObject } from 'react-router';
import { RouteLoading } from '@sso/web-shared';
import { RootLayout } from './routes/root-layout';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';

/**
 * App 1's routes. The sign-in page is the first page; the rest load on demand,
 * except the not-found page: it needs nothing the first page lacks (0.3 kB of
 * JSX), and as a lazy route beside four others it makes rolldown 1.2 split
 * the first page into three preloaded chunks (+1.6 kB gzip; rolldown#9963,
 * #10731: a common chunk the entry already loads is not merged back into it).
 */
export const routes: RouteObject[] = [
  {
    element: <RootLayout />,
    children: [
      { index: true, element: <Navigate to="/account" replace /> },
      { path: 'login', element: <LoginRoute /> },
      { path: 'login/second-factor', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/second-factor')).SecondFactorRoute }) },
      { path: 'login/step-up', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/step-up')).StepUpRoute }) },
      { path: 'signup', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/signup')).SignupRoute }) },
      { path: 'forgot-password', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/forgot-password')).ForgotPasswordRoute }) },
      { path: 'reset-password', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/reset-password')).ResetPasswordRoute }) },
      { path: 'account', HydrateFallback: RouteLoading, lazy: async () => ({ Component: (await import('./routes/account')).AccountRoute }) },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
];
