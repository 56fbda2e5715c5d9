import { Page, loginUrl } from '@sso/web-shared';
import { config } from '../../config/env';

/** Where app 2 lands after signing out: signed out here and on every other app. */
export function SignedOutRoute() {
  return (
    <Page title="Signed out" appName={config.appName} narrow>
      <h1>You are signed out</h1>
      <p className="lead">You are signed out of every app on this domain.</p>
      <a className="button" href={loginUrl(config.identityOrigin, `${window.location.origin}/`)}>
        Sign in again
      </a>
    </Page>
  );
}
