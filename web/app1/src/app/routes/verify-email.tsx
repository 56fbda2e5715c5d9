import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { VerifyEmailResponse } from '@sso/types';
import { Alert, Loading, Page, describeError, isApiError } from '@sso/web-shared';
import { config } from '../../config/env';
import { verifyEmail } from '../../features/auth/api/verify-email';

/** The token in a mailed link's fragment (`#token=...`), as on the reset page: never sent to a server, so never in a log or a Referer. */
function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

type State = { kind: 'verifying' } | { kind: 'done'; result: VerifyEmailResponse } | { kind: 'failed'; error: unknown };

const PROBLEMS = {
  LINK_EXPIRED: { title: 'This link has expired', text: 'Links work for a limited time. Sign in and ask for a new one: your account page has a button for it.' },
  LINK_USED: { title: 'This link was already used', text: 'Each link works once. If you used it, your address is confirmed: your account page shows it.' },
  LINK_INVALID: {
    title: 'This link is not valid',
    text: 'It may be mistyped or cut short, a newer link was sent, or the address changed since. Use the newest mail, or sign in and ask for a new link.',
  },
} as const;
const isLinkProblem = (code: string): code is keyof typeof PROBLEMS => code in PROBLEMS;

/**
 * /verify-email#token=...: confirms an address (sign-up, resend) or an email
 * change. The token is read once, kept in memory, and at once removed from
 * the address bar; BFF 1 serves the page with Referrer-Policy: no-referrer
 * (ADR 030). The link is used as the page opens: the person clicked it to
 * confirm, there is nothing to ask.
 */
export function VerifyEmailRoute() {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [token, setToken] = useState(() => tokenFromHash(location.hash));
  const [state, setState] = useState<State>({ kind: 'verifying' });
  // React runs effects twice in development: a link works once, so each token is sent once.
  const sent = useRef<string | null>(null);

  useEffect(() => {
    if (!location.hash) return;
    // Another link opened in this tab while the page shows (a same-document navigation): that one now.
    const fresh = tokenFromHash(location.hash);
    if (fresh && fresh !== token) {
      setToken(fresh);
      setState({ kind: 'verifying' });
    }
    void navigate({ pathname: location.pathname, search: location.search, hash: '' }, { replace: true });
  }, [location.hash, location.pathname, location.search, navigate, token]);

  useEffect(() => {
    if (!token || sent.current === token) return;
    sent.current = token;
    verifyEmail({ token }).then(
      (result) => {
        setState({ kind: 'done', result });
        // This browser's account, if signed in, now shows the confirmed address.
        void queryClient.invalidateQueries({ queryKey: ['session'] });
        void queryClient.invalidateQueries({ queryKey: ['account', 'email'] });
      },
      (error: unknown) => setState({ kind: 'failed', error }),
    );
  }, [token, queryClient]);

  const problem = !token ? PROBLEMS.LINK_INVALID : state.kind === 'failed' && isApiError(state.error) && isLinkProblem(state.error.code) ? PROBLEMS[state.error.code] : null;
  return (
    <Page title="Confirm your email address" appName={config.appName} narrow>
      {problem ? (
        <>
          <h1>{problem.title}</h1>
          <Alert>{token ? problem.text : 'This page needs the link from the email, and this address has no token. Open the link from the email again.'}</Alert>
          <p>
            <Link className="button" to="/account">
              Go to your account
            </Link>
          </p>
        </>
      ) : state.kind === 'done' ? (
        <>
          <h1>{state.result.changed ? 'Your new address is set' : 'Your address is confirmed'}</h1>
          <Alert tone="success">
            <strong>{state.result.email}</strong> is {state.result.changed ? 'now the address of your account, and it is' : ''} verified. Apps of this domain
            see it with your next sign-in check.
          </Alert>
          <p>
            <Link className="button" to="/account">
              Continue
            </Link>
          </p>
        </>
      ) : state.kind === 'failed' ? (
        <>
          <h1>Your address could not be confirmed</h1>
          <Alert>{describeError(state.error)}</Alert>
          <p>
            <button className="button" type="button" onClick={() => window.location.reload()}>
              Try again
            </button>
          </p>
        </>
      ) : (
        <>
          <h1>Confirm your email address</h1>
          <Loading label="Confirming your address…" />
        </>
      )}
    </Page>
  );
}
