import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Page } from '@sso/web-shared';
import { config } from '../../config/env';
import { sessionQueryOptions } from '../../features/auth/api/get-session';
import type { PasswordChangedState } from '../../features/auth/password-changed';
import { LINK_PROBLEMS, LinkProblemNotice, ResetPasswordForm, type LinkProblem } from '../../features/auth/components/reset-password-form';

/** The token in a mailed link's fragment (`#token=...`): never sent to a server, so never in a log or a Referer. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

/**
 * /reset-password#token=...: the token is read once, kept in memory, and at
 * once removed from the address (history.replaceState through the router), so
 * it is not in the history, a bookmark or a shared screen. BFF 1 serves this
 * page with Referrer-Policy: no-referrer as a second line. After the reset
 * the person lands on the sign-in form, username filled in (ADR 020): the
 * reset sets no cookie, and the page it replaces in history held the link.
 */
export function ResetPasswordRoute() {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [token] = useState(() => tokenFromHash(location.hash));
  const [problem, setProblem] = useState<LinkProblem | null>(token ? null : 'MISSING');

  useEffect(() => {
    if (location.hash) void navigate({ pathname: location.pathname, search: location.search, hash: '' }, { replace: true });
  }, [location.hash, location.pathname, location.search, navigate]);

  if (problem) {
    return (
      <Page title={LINK_PROBLEMS[problem].title} appName={config.appName} narrow>
        <h1>{LINK_PROBLEMS[problem].title}</h1>
        <div className="card">
          <LinkProblemNotice problem={problem} />
        </div>
      </Page>
    );
  }
  return (
    <Page title="Choose a new password" appName={config.appName} narrow>
      <h1>Choose a new password</h1>
      <p className="lead">After this, every device signed in to your account is signed out.</p>
      <div className="card">
        <ResetPasswordForm
          token={token!}
          onLinkProblem={setProblem}
          onDone={(res) => {
            // Every session of the account ended, this browser's too (if it had one).
            queryClient.setQueryData(sessionQueryOptions().queryKey, null);
            const state: PasswordChangedState = { passwordChanged: { username: res.username, revokedSessions: res.revokedSessions } };
            void navigate('/login', { replace: true, state });
          }}
        />
      </div>
    </Page>
  );
}
