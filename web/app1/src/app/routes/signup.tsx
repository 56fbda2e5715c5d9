import { Link, useLocation } from 'react-router';
import { Page } from '@sso/web-shared';
import { config } from '../../config/env';
import { isSignedOutState } from '../../features/auth/api/logout';
import { SignupForm } from '../../features/auth/components/signup-form';

/** /signup: create an account, signed in everywhere at once. */
export function SignupRoute() {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  return (
    <Page title="Create account" appName={config.appName} narrow>
      <h1>Create your account</h1>
      <p className="lead">It works on every app on this domain.</p>
      <div className="card">
        <SignupForm returnTo={params.get('returnTo') || undefined} />
      </div>
      <p className="switch">
        Already have an account?{' '}
        {/* Back on the sign-in page, a sign-out in this tab is still said. */}
        <Link to={{ pathname: '/login', search: location.search }} state={isSignedOutState(location.state) ? location.state : undefined}>
          Sign in
        </Link>
      </p>
    </Page>
  );
}
