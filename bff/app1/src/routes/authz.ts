import { Router, type Request, type Response } from 'express';
import { HttpError, sendProblem } from '@sso/bff-common';
import { loginRedirectUrl, stepUpReason, stepUpRedirectUrl, type SsoClaims } from '@sso/session';
import type { App1Context } from '../context';
import { readProxyTarget, type ProxyTarget, type TargetProtocol } from '../authz/proxy-target';
import { getAccount } from '../sessions/lifecycle';

/**
 * Forward auth (ADR 016): a reverse proxy asks, for each request, whether it
 * may pass, and hands the upstream the user in `Remote-*` headers.
 *
 * - GET /api/authz/auth-request (nginx auth_request; X-Original-URL):
 *   200, 401 with Location = app 1's login URL, or 403.
 * - GET /api/authz/forward-auth (Caddy forward_auth, Traefik forwardAuth;
 *   X-Forwarded-Proto/-Host/-Uri/-Method): 200, a 302 (GET/HEAD) or 303 to
 *   the login URL for a browser (401 for anything that does not ask for
 *   HTML), or 403 (an HTML page for a browser).
 * - An `mfa` rule that the session falls short of (no `mfa` in its amr, or
 *   authenticated longer ago than the rule's max age): the same answers as
 *   "not signed in", with app 1's step-up page instead of its sign-in page.
 *
 * The check is /api/session's: the same reader (verified tokens cached),
 * then the session and the user from the store, so a revoked session or a
 * disabled user is refused at once.
 */
export function authzRoutes(ctx: App1Context): Router {
  const router = Router();
  const rules = ctx.config.accessRules;
  const loginUrl = `${ctx.config.origin}/login`;
  const stepUpUrl = `${ctx.config.origin}/login/step-up`;
  let warnedUntrusted = false;

  const check = (protocol: TargetProtocol) => async (req: Request, res: Response) => {
    const read = readProxyTarget(req, protocol);
    if (!read.ok) {
      if (read.code === 'UNTRUSTED_PROXY') {
        if (!warnedUntrusted) {
          warnedUntrusted = true;
          req.log.warn({ event: 'authz.untrusted-proxy', peer: req.socket.remoteAddress }, `Forward auth asked by ${req.socket.remoteAddress}, which is not in TRUST_PROXY: refused. Add the proxy's address to TRUST_PROXY.`);
        }
        throw new HttpError('ACCESS_DENIED', read.detail);
      }
      throw new HttpError('BAD_REQUEST', read.detail);
    }
    const { target } = read;
    const rule = rules.match(target.url.hostname, target.path);
    if (!rule || rule.policy.kind === 'deny') return forbidden(req, res, null);
    if (rule.policy.kind === 'public') return pass(res, null, []);

    const account = await getAccount(ctx, req);
    if (!account) return signIn(req, res, protocol, target);
    // From the store, not the token: a group removed by an operator counts at once here.
    const groups = account.user.groups;
    const { policy } = rule;
    const needGroups = policy.kind === 'groups' ? policy.groups : policy.kind === 'mfa' ? policy.groups : null;
    // Groups first: a step-up would not help someone outside them.
    if (needGroups && !needGroups.some((g) => groups.includes(g))) return forbidden(req, res, account.claims);
    if (policy.kind === 'mfa') {
      // From the store too, like revocation: a step-up (ADR 032) records amr and authTime on the session.
      const { session } = account;
      const proof = { amr: session.amr ?? ['pwd'], auth_time: Math.floor((session.authTime ?? session.createdAt) / 1000) };
      if (stepUpReason(proof, { mfa: true, maxAuthAge: policy.maxAuthAge }, ctx.now()) !== null) return stepUp(req, res, protocol, target, policy.maxAuthAge);
    }

    pass(res, account.claims, groups);
  };

  /**
   * 200 with the user. Every Remote-* header is always sent, empty when
   * unknown (a public path): proxies that copy them then overwrite a
   * client's own values instead of leaving them (Caddy before 2.10 wrote
   * its placeholder text for a missing one).
   */
  function pass(res: Response, claims: SsoClaims | null, groups: readonly string[]) {
    res.setHeader('Remote-User', headerValue(claims?.preferred_username ?? ''));
    res.setHeader('Remote-Id', headerValue(claims?.sub ?? ''));
    res.setHeader('Remote-Groups', groups.map(headerValue).filter((g) => g !== '' && !g.includes(',')).join(','));
    res.setHeader('Remote-Email', headerValue(claims?.email ?? ''));
    res.setHeader('Remote-Name', headerValue(claims?.name ?? ''));
    res.status(200).end();
  }

  /** Not signed in (or a token that no longer stands): send the browser to app 1, which renews silently while the session lives. */
  function signIn(req: Request, res: Response, protocol: TargetProtocol, target: ProxyTarget) {
    const location = loginRedirectUrl(loginUrl, target.url.href);
    redirectOr(req, res, protocol, target, location, new HttpError('UNAUTHENTICATED', 'Sign in at the identity app.', { loginUrl }));
  }

  /** Signed in, but an `mfa` rule wants a (recent) second factor: app 1's step-up page asks for it and comes back (ADR 032). */
  function stepUp(req: Request, res: Response, protocol: TargetProtocol, target: ProxyTarget, maxAuthAge: number | undefined) {
    const problem = new HttpError('STEP_UP_REQUIRED', 'Confirm it is you with your second factor at the identity app.', { stepUpUrl: stepUpRedirectUrl(stepUpUrl, { maxAuthAge }) });
    redirectOr(req, res, protocol, target, stepUpRedirectUrl(stepUpUrl, { returnTo: target.url.href, maxAuthAge }), problem);
  }

  /** nginx: the problem with Location (its snippet turns it into a 302); Caddy/Traefik: a redirect for a page, else the problem. */
  function redirectOr(req: Request, res: Response, protocol: TargetProtocol, target: ProxyTarget, location: string, problem: HttpError) {
    res.setHeader('Cache-Control', 'no-store');
    if (protocol === 'auth-request') {
      // nginx passes no body on; its snippet turns this into a 302 to Location.
      res.setHeader('Location', location);
      return sendProblem(res, problem);
    }
    if (!wantsHtml(req)) return sendProblem(res, problem);
    res.redirect(target.method === 'GET' || target.method === 'HEAD' ? 302 : 303, location);
  }

  function forbidden(req: Request, res: Response, claims: SsoClaims | null) {
    if (!wantsHtml(req)) return sendProblem(res, new HttpError('ACCESS_DENIED'));
    res.status(403).type('html').send(forbiddenPage(claims?.preferred_username ?? null, ctx.config.origin));
  }

  router.get('/authz/auth-request', check('auth-request'));
  router.get('/authz/forward-auth', check('forward-auth'));
  return router;
}

/** A browser loading a page (the proxies copy the original request's headers). */
function wantsHtml(req: Request): boolean {
  if (req.headers['sec-fetch-mode'] === 'navigate') return true;
  return (req.headers.accept ?? '').toLowerCase().includes('text/html');
}

/**
 * A header value: no control characters (no header injection), UTF-8 bytes
 * on the wire (Node writes header strings as Latin-1, one byte a char).
 */
function headerValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return Buffer.from(value.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function forbiddenPage(username: string | null, app1Origin: string): string {
  const who = username ? `You are signed in as <strong>${escapeHtml(username)}</strong>, and this account` : 'This page';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Access denied</title></head>
<body>
<h1>Access denied</h1>
<p>${who} may not open this page. If you need it, ask an administrator to give your account access.</p>
<p><a href="${escapeHtml(app1Origin)}/account">Your account</a></p>
</body></html>`;
}
