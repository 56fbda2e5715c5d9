import { Navigate, type RouteObject } from 'react-router';
import { onDemand } from '@sso/web-shared';
import { RootLayout } from './routes/root-layout';
import { LoginRoute } from './routes/login';

/**
 * App 1's routes. The sign-in page is the first page (it renews a live
 * session or shows the form) and the only page in the entry; every other page
 * is `onDemand`. What a lazy page shares with the first page it imports from
 * the entry chunk, so adding one never grows the first page (ADR 031).
 */
export const routes: RouteObject[] = [
  {
    element: <RootLayout />,
    children: [
      { index: true, element: <Navigate to="/account" replace /> },
      { path: 'login', element: <LoginRoute /> },
      onDemand('login/second-factor', async () => ({ Component: (await import('./routes/second-factor')).SecondFactorRoute })),
      onDemand('login/step-up', async () => ({ Component: (await import('./routes/step-up')).StepUpRoute })),
      onDemand('signup', async () => ({ Component: (await import('./routes/signup')).SignupRoute })),
      onDemand('forgot-password', async () => ({ Component: (await import('./routes/forgot-password')).ForgotPasswordRoute })),
      onDemand('reset-password', async () => ({ Component: (await import('./routes/reset-password')).ResetPasswordRoute })),
      onDemand('verify-email', async () => ({ Component: (await import('./routes/verify-email')).VerifyEmailRoute })),
      onDemand('check-inbox', async () => ({ Component: (await import('./routes/check-inbox')).CheckInboxRoute })),
      onDemand('account', async () => ({ Component: (await import('./routes/account')).AccountRoute })),
      onDemand('*', async () => ({ Component: (await import('./routes/not-found')).NotFoundRoute })),
    ],
  },
];
