import { Link } from 'react-router';
import { Page } from '@sso/web-shared';
import { config } from '../../config/env';

export function NotFoundRoute() {
  return (
    <Page title="Page not found" appName={config.appName} narrow>
      <h1>Page not found</h1>
      <p className="lead">There is nothing at this address.</p>
      <Link className="button" to="/account">
        Go to your account
      </Link>
    </Page>
  );
}
