import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { Alert, Page } from '@sso/web-shared';
import type { ResetPasswordResponse } from '@sso/types';
import { config } from '../../config/env';
import { LinkProblemNotice, ResetPasswordForm } from '../../features/auth/components/reset-password-form';

/** The token in a mailed link's fragment (`#token=...`): never sent to a server, so never in a log or a Referer. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

/**
 * /reset-password#token=...: the token is read once, kept in memory, and at
 * once removed from the address (history.replaceState through the router), so
 * it is not in the history, a bookmark or a shared screen. BFF 1 serves this
 * page with Referrer-Policy: no-referrer as a second line.
 */
export function ResetPasswordRoute() {
  const location = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => tokenFromHash(location.hash));
  const [done, setDone] = useState<ResetPasswordResponse | null>(null);

  useEffect(() => {
    if (location.hash) void navigate({ pathname: location.pathname, search: location.search, hash: '' }, { replace: true });
  }, [location.hash, location.pathname, location.search, navigate]);

  return (
    <Page title="Choose a new password" appName={config.appName} narrow>
      <h1>Choose a new password</h1>
      {done ? (
        <>
          <Alert tone="success">
            Your password was changed, and every session of <strong>{done.username}</strong> was signed out on every app. Sign in with
            your new password.
          </Alert>
          <p>
            <Link className="button" to="/login">
              Sign in
            </Link>
          </p>
        </>
      ) : token ? (
        <>
          <p className="lead">After this, every device signed in to your account is signed out.</p>
          <div className="card">
            <ResetPasswordForm token={token} onDone={setDone} />
          </div>
        </>
      ) : (
        <LinkProblemNotice message="This page needs the link from the reset email, and this address has no token. Open the link from the email again, or ask for a new one." />
      )}
    </Page>
  );
}
