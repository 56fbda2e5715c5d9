import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, Page } from '@sso/web-shared';
import { config } from '../../config/env';
import { FORGOT_SENT_MESSAGE, ForgotPasswordForm } from '../../features/auth/components/forgot-password-form';

/** /forgot-password: ask for a reset link by mail (ADR 020), then "check your email". */
export function ForgotPasswordRoute() {
  const [sent, setSent] = useState(false);

  if (sent) {
    return (
      <Page title="Check your email" appName={config.appName} narrow>
        <h1>Check your email</h1>
        <div className="card">
          <Alert tone="success">{FORGOT_SENT_MESSAGE}</Alert>
          <p>No mail after a few minutes? The link may have gone to spam, or you may have used another address.</p>
          <button className="button button--secondary" type="button" onClick={() => setSent(false)}>
            Try again
          </button>
        </div>
        <p className="switch">
          Remembered it? <Link to="/login">Sign in</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title="Forgot password" appName={config.appName} narrow>
      <h1>Forgot your password?</h1>
      <p className="lead">Enter your username or email address and we will mail you a link to choose a new password.</p>
      <div className="card">
        <ForgotPasswordForm onSent={() => setSent(true)} />
      </div>
      <p className="switch">
        Remembered it? <Link to="/login">Sign in</Link>
      </p>
    </Page>
  );
}
