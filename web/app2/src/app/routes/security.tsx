import { useEffect } from 'react';
import { Link } from 'react-router';
import { Alert, Loading, Page, describeError, formatDateTime, isSignedOutError, loginUrl, navigation, sessionEndReason } from '@sso/web-shared';
import { config } from '../../config/env';
import { stepUpUrlOf, useSecurity } from '../../features/security/api/get-security';

/** RFC 8176 values, as a person reads them. */
const METHOD_NAMES: Record<string, string> = { pwd: 'password', otp: 'one-time code', hwk: 'security key', swk: 'passkey', mfa: '' };
function describeAmr(amr: readonly string[]): string {
  const names = amr.map((m) => METHOD_NAMES[m] ?? m).filter(Boolean);
  return names.length ? names.join(' and ').replace(/^./, (c) => c.toUpperCase()) : 'Unknown';
}

/**
 * /security: a page that needs a second factor, proved recently (BFF 2
 * guards it with requireSession({ mfa: true, maxAuthAge })). Without one,
 * the browser goes to app 1's step-up page and comes back here.
 */
export function SecurityRoute() {
  const security = useSecurity();
  const here = window.location.href;
  const stepUp = security.isError ? stepUpUrlOf(security.error, here) : null;
  const mustSignIn = security.isError && isSignedOutError(security.error);
  const ended = mustSignIn ? sessionEndReason(security.error) : null;

  useEffect(() => {
    if (stepUp) navigation.assign(stepUp);
    else if (mustSignIn) navigation.assign(loginUrl(config.identityOrigin, here, ended));
  }, [stepUp, mustSignIn, ended, here]);

  if (security.isPending || stepUp || mustSignIn) {
    return (
      <Page title="Security settings" appName={config.appName}>
        <Loading label={stepUp ? 'Taking you to confirm it is you…' : mustSignIn ? 'Taking you to sign in…' : 'Checking your sign-in…'} />
      </Page>
    );
  }
  if (security.isError) {
    return (
      <Page title="Security settings" appName={config.appName}>
        <h1>We could not load your security settings</h1>
        <Alert>{describeError(security.error)}</Alert>
        <div className="actions">
          <button className="button" type="button" onClick={() => void security.refetch()} disabled={security.isFetching}>
            {security.isFetching ? 'Trying again…' : 'Try again'}
          </button>
        </div>
      </Page>
    );
  }
  const { username, amr, authTime, stepUpValidUntil } = security.data;
  return (
    <Page title="Security settings" appName={config.appName}>
      <h1>Security settings</h1>
      <p className="lead">This page needs your second factor, proved recently. App 2 asked the identity app for it.</p>
      <div className="card">
        <dl className="facts">
          <dt>Signed in as</dt>
          <dd>{username}</dd>
          <dt>Proved with</dt>
          <dd>{describeAmr(amr)}</dd>
          <dt>Second factor proved</dt>
          <dd>{formatDateTime(authTime)}</dd>
          <dt>Asks again after</dt>
          <dd>{formatDateTime(stepUpValidUntil)}</dd>
        </dl>
      </div>
      <div className="actions">
        <a className="button button--secondary" href={`${config.identityOrigin}/account`}>
          Manage two-step sign-in
        </a>
        <Link className="button button--secondary" to="/">
          Back to your profile
        </Link>
      </div>
    </Page>
  );
}
