import { useEffect } from 'react';
import { Link, useLocation } from 'react-router';
import { Alert, Loading, Page, describeError, isApiError, navigation } from '@sso/web-shared';
import { config } from '../../config/env';
import { useStepUpStatus } from '../../features/step-up/api/get-step-up-status';
import { SecondFactorPrompt } from '../../features/step-up/components/second-factor-prompt';

// For the account page's "confirm it's you" prompt, which loads this chunk on demand.
export { SecondFactorPrompt };

/** Where the browser was last sent back without a prompt, and when: a relying app that keeps sending it here gets the form, not a loop. */
const AUTO_KEY = 'sso-step-up-auto';
const AUTO_AGAIN_MS = 60_000;

function mayGoBackUnasked(redirectTo: string): boolean {
  try {
    const last = JSON.parse(sessionStorage.getItem(AUTO_KEY) ?? 'null') as { to: string; at: number } | null;
    if (last && last.to === redirectTo && Date.now() - last.at < AUTO_AGAIN_MS) return false;
    sessionStorage.setItem(AUTO_KEY, JSON.stringify({ to: redirectTo, at: Date.now() }));
  } catch {
    /* storage unavailable: go back; the relying app's own limit then decides */
  }
  return true;
}

/** The app a `redirectTo` belongs to, as the person knows it. */
function appLabel(redirectTo: string): string {
  try {
    const { origin, host } = new URL(redirectTo);
    return config.apps.find((a) => a.origin === origin)?.name ?? host;
  } catch {
    return 'the app';
  }
}

/**
 * /login/step-up?returnTo=…&max_age=…: a relying app asked for a second
 * factor (ADR 032). The person is signed in: this asks for the second factor
 * only, never the password, then goes back. With none set up it says so and
 * links to the account page. A signed-out browser goes to the sign-in form
 * first and comes back here.
 */
export function StepUpRoute() {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const returnTo = params.get('returnTo') || undefined;
  const maxAge = params.get('max_age') || undefined;
  const status = useStepUpStatus({ returnTo, maxAge });
  // No valid token (expired, or the session is over): 401 with a code.
  const signedOut = status.isError && isApiError(status.error) && status.error.status === 401;
  const goBack = status.data?.satisfied === true && mayGoBackUnasked(status.data.redirectTo);

  useEffect(() => {
    // Load this page again from BFF 1: its GET /login/step-up renews through
    // /login while the session lives, else shows the sign-in form (which, with
    // a second factor on, asks for it too) and comes back here.
    if (signedOut) navigation.assign(`${window.location.origin}${location.pathname}${location.search}`);
  }, [signedOut, location.pathname, location.search]);
  useEffect(() => {
    if (goBack && status.data) navigation.assign(status.data.redirectTo);
  }, [goBack, status.data]);

  if (status.isPending || signedOut || goBack) {
    return (
      <Page title="Confirm it's you" appName={config.appName} narrow>
        <Loading label={goBack ? 'Taking you back…' : 'Checking your session…'} />
      </Page>
    );
  }
  if (status.isError) {
    return (
      <Page title="Confirm it's you" appName={config.appName} narrow>
        <h1>Confirm it's you</h1>
        <Alert>{describeError(status.error)}</Alert>
        <div className="actions">
          <button className="button" type="button" onClick={status.refetch}>
            Try again
          </button>
        </div>
      </Page>
    );
  }

  const { methods, redirectTo, username } = status.data;
  const app = appLabel(redirectTo);
  if (methods.length === 0) {
    return (
      <Page title="Two-step sign-in needed" appName={config.appName} narrow>
        <h1>Two-step sign-in needed</h1>
        <p className="lead">
          {app} asks for a second factor on this page, and your account <strong>{username}</strong> has none yet.
        </p>
        <div className="card">
          <p style={{ marginTop: 0 }}>
            Set up an authenticator app or add a passkey on your account page (it takes a minute). Then open the page in {app} again: you will be asked for a code from the app or your
            passkey, not your password.
          </p>
          <div className="actions">
            <Link className="button" to="/account">
              Set up two-step sign-in
            </Link>
            <a className="button button--secondary" href={new URL('/', redirectTo).href}>
              Back to {app}
            </a>
          </div>
        </div>
      </Page>
    );
  }
  return (
    <Page title="Confirm it's you" appName={config.appName} narrow>
      <h1>Confirm it's you</h1>
      <p className="lead">
        {app} asks for your second factor before it goes on. You are signed in as <strong>{username}</strong>: no password needed.
      </p>
      <div className="card">
        <SecondFactorPrompt methods={methods} returnTo={returnTo} submitLabel="Continue" onDone={(res) => navigation.assign(res.redirectTo)} />
      </div>
      <p className="switch">
        <a href={new URL('/', redirectTo).href}>Cancel and go back to {app}</a>
      </p>
    </Page>
  );
}
