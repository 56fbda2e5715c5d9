import { Link } from 'react-router';
import { Page } from '@sso/web-shared';
import { config } from '../../config/env';
import { ForgotPasswordForm } from '../../features/auth/components/forgot-password-form';

/** /forgot-password: ask for a reset link by mail (ADR 020). */
export function ForgotPasswordRoute() {
  return (
    <Page title="Forgot password" appName={config.appName} narrow>
      <h1>Forgot your password?</h1>
      <p className="lead">Enter your username or email address and we will mail you a link to choose a new password.</p>
      <div className="card">
        <ForgotPasswordForm />
      </div>
      <p className="switch">
        Remembered it? <Link to="/login">Sign in</Link>
      </p>
    </Page>
  );
}
