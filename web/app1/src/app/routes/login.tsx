import { lazy, Suspense } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useLocation } from 'react-router';
import { Alert, Loading, Page } from '@sso/web-shared';
import { config } from '../../config/env';
import { sessionEndedBecause, useSession } from '../../features/auth/api/get-session';
import { parseEnded } from '../../features/auth/session-ended';
import { signedOutState } from '../../features/auth/api/logout';
import { otherDevicesSignedOut } from '../../features/auth/other-devices';
import { passwordChangedState } from '../../features/auth/password-changed';
import { LoginForm } from '../../features/auth/components/login-form';
import { PasskeySignIn } from '../../features/passkeys/components/passkey-sign-in';
import { useGoTo } from '../../features/auth/use-go-to';

// Most sign-ins have no reason to show: its messages load only when one does.
const SessionEndedNotice = lazy(async () => ({ default: (await import('../../features/auth/components/session-ended-notice')).SessionEndedNotice }));

/** The origin of a `returnTo` that is no app of this domain: BFF 1 will not follow it, and the person should know. */
function foreignOrigin(returnTo: string | undefined): string | null {
  if (!returnTo || !/^https?:\/\//i.test(returnTo)) return null;
  try {
    const { origin } = new URL(returnTo);
    return config.apps.some((app) => app.origin === origin) ? null : origin;
  } catch {
    return null;
  }
}

/** /login?returnTo=…: sign in once for every app on the domain. */
export function LoginRoute() {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const session = useSession();
  const goTo = useGoTo();
  const queryClient = useQueryClient();
  // Passed to BFF 1 as is; only its validated redirectTo is ever followed.
  const returnTo = params.get('returnTo') || undefined;
  // Set by a sign-out in this tab: router state, not the URL, so a shared link never says it.
  const signedOut = signedOutState(location.state);
  // Set by a password reset in this tab (ADR 020): the form comes with the username filled in.
  const passwordChanged = passwordChangedState(location.state);
  // Set by app 1 when a relying app sent a browser whose session had ended.
  const ended = parseEnded(params.get('ended')) ?? (session.data === null ? sessionEndedBecause() : null);
  const foreign = foreignOrigin(returnTo);

  if (session.isPending) {
    return (
      <Page title="Sign in" appName={config.appName} narrow>
        <Loading label="Checking your session…" />
      </Page>
    );
  }
  if (session.data && !returnTo) return <Navigate to="/account" replace />;

  return (
    <Page title="Sign in" appName={config.appName} narrow>
      <h1>Sign in</h1>
      <p className="lead">One sign-in for every app on this domain.</p>
      {passwordChanged ? (
        <Alert tone="success">
          Your password was changed and every session of <strong>{passwordChanged.username}</strong> was signed out, on every app. Sign in
          with your new password.
        </Alert>
      ) : signedOut ? (
        // Rendered at once (not lazy): the sign-out lands here with flushSync.
        <Alert tone="success">
          You are signed out on every app.
          {signedOut.otherDevices === undefined ? null : ` ${otherDevicesSignedOut(signedOut.otherDevices) ?? 'No other device was signed in.'}`}
        </Alert>
      ) : ended ? (
        <Suspense fallback={null}>
          <SessionEndedNotice reason={ended} />
        </Suspense>
      ) : null}
      {foreign ? (
        <Alert tone="info">
          {foreign} is not one of this domain's apps, so you will not be sent back there: after signing in you land on your account page.
        </Alert>
      ) : null}
      {session.data ? (
        <Alert tone="info">
          You are signed in as <strong>{session.data.user.username}</strong>. Sign in again to continue to the app that sent you here.
        </Alert>
      ) : null}
      <div className="card">
        <LoginForm returnTo={returnTo} username={passwordChanged?.username} />
        <PasskeySignIn
          returnTo={returnTo}
          finish={async (redirectTo) => {
            await queryClient.invalidateQueries({ queryKey: ['session'] });
            goTo(redirectTo);
          }}
        />
      </div>
      <p className="switch">
        New here?{' '}
        <Link to={{ pathname: '/signup', search: returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '' }} state={signedOut ? location.state : undefined}>
          Create an account
        </Link>
      </p>
    </Page>
  );
}
