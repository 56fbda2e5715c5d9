import type { Request, RequestHandler, Response } from 'express';
import type { CookieController } from './cookie';
import { groupsOf, type SsoClaims } from './claims';
import { SessionError, type SessionErrorCode } from './errors';
import type { TokenVerifier, VerifyResult } from './token';

export interface SessionReaderOptions {
  cookie: CookieController;
  verifier: TokenVerifier;
  /**
   * The identity app's sign-in page (`https://id.example.com/login`). Given,
   * `requireSession()` sends a browser navigating to a page without a valid
   * token there (with `returnTo`), where a live session renews silently and
   * comes straight back; API calls still get a 401 with a code.
   */
  loginUrl?: string;
  /** This app's public origin, for `returnTo` (default: from the request's protocol and Host). */
  publicOrigin?: string;
  /**
   * The identity app's step-up page, where a signed-in person proves a second
   * factor again (default: `<loginUrl>/step-up`, e.g. `https://id.example.com/login/step-up`).
   * `requireSession({ mfa, maxAuthAge })` sends page navigations there with
   * `returnTo` (and `max_age`), and names it in the STEP_UP_REQUIRED error.
   */
  stepUpUrl?: string;
  /** Injected clock (ms since epoch) for `maxAuthAge`, in tests. */
  now?: () => number;
}

export interface RequireSessionOptions {
  /**
   * 'auto' (default): page navigations are redirected to the sign-in page,
   * fetch/XHR get the error. 'never': always the error (an API router).
   */
  redirect?: 'auto' | 'never';
  /**
   * The token must carry at least one of these groups; a valid session
   * without any of them fails with `FORBIDDEN` (403), never a redirect
   * (signing in again would not help).
   */
  groups?: readonly string[];
  /**
   * Require a second factor: the token's `amr` must hold `mfa` (RFC 8176).
   * Without it: STEP_UP_REQUIRED (401 to fetch/XHR callers, a 303 to the
   * identity app's step-up page for page navigations), never a sign-in form.
   */
  mfa?: boolean;
  /**
   * Require the person to have proved who they are at most this many
   * seconds ago (the token's `auth_time`; OIDC's `max_age`). Older: the
   * same STEP_UP_REQUIRED, and the step-up page asks for the second factor
   * again. Meant together with `mfa: true`.
   */
  maxAuthAge?: number;
}

/** Why these claims fall short of `requirement`, or null when they meet it. */
export function stepUpReason(claims: Pick<SsoClaims, 'amr' | 'auth_time'>, requirement: Pick<RequireSessionOptions, 'mfa' | 'maxAuthAge'>, nowMs: number): string | null {
  if (requirement.mfa && !(claims.amr ?? []).includes('mfa')) return 'no second factor in this session';
  if (requirement.maxAuthAge !== undefined) {
    // A token without auth_time (older issuers) cannot show it is recent enough.
    if (claims.auth_time === undefined) return 'no auth_time in the token';
    if (nowMs / 1000 - claims.auth_time > requirement.maxAuthAge) return `authenticated more than ${requirement.maxAuthAge} s ago`;
  }
  return null;
}

/** `stepUpUrl` with `max_age` (when the route bounds the age) and, given, `returnTo`. */
export function stepUpRedirectUrl(stepUpUrl: string, options: { returnTo?: string; maxAuthAge?: number | undefined }): string {
  const url = new URL(stepUpUrl);
  if (options.returnTo !== undefined) url.searchParams.set('returnTo', options.returnTo);
  if (options.maxAuthAge !== undefined) url.searchParams.set('max_age', String(options.maxAuthAge));
  return url.href;
}

/** Failures that app 1 can repair by renewing the token (or by asking to sign in). */
const RENEWABLE: ReadonlySet<SessionErrorCode> = new Set(['TOKEN_MISSING', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'TOKEN_REVOKED', 'DUPLICATE_COOKIE']);

/**
 * True for a browser loading a page (not fetch/XHR): `Sec-Fetch-Mode:
 * navigate` where the browser sends it, else a GET that prefers HTML.
 */
export function isPageNavigation(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (typeof mode === 'string') return mode === 'navigate';
  return req.accepts(['json', 'html']) === 'html';
}

/** `loginUrl?returnTo=<this request's URL>`. */
export function loginRedirectUrl(loginUrl: string, returnTo: string): string {
  const url = new URL(loginUrl);
  url.searchParams.set('returnTo', returnTo);
  return url.href;
}

/** Framework-agnostic and Express entry points for reading the domain session. */
export interface SessionReader {
  /** Verifies the session cookie found in a raw `Cookie` header (any framework). */
  verifyRequest(input: { cookieHeader: string | undefined }): Promise<VerifyResult>;
  /** The verified claims, or `null` when there is no valid session (a normal state). */
  getSession(req: Request): Promise<SsoClaims | null>;
  /**
   * Middleware: puts the claims in `res.locals.session`. Without a valid
   * token, a page navigation is redirected (303) to the identity app's
   * sign-in page with `returnTo` (which renews silently while the session
   * lives); anything else fails with a SessionError for the app's error
   * handler (401 with a code: `sessionProblem` builds it). With `mfa` or
   * `maxAuthAge`, a valid session that falls short gets STEP_UP_REQUIRED:
   * a page navigation goes (303) to the identity app's step-up page, with
   * `returnTo` and `max_age`; anything else gets the SessionError.
   */
  requireSession(options?: RequireSessionOptions): RequestHandler;
  /** Middleware: like requireSession but lets anonymous requests through with `null`. */
  optionalSession(): RequestHandler;
}

export function createSessionReader(options: SessionReaderOptions): SessionReader {
  const { verifier } = options;
  const now = options.now ?? Date.now;
  const stepUpUrl = options.stepUpUrl ?? (options.loginUrl !== undefined ? `${options.loginUrl.replace(/\/+$/, '')}/step-up` : undefined);
  /**
   * The answer for this `Cookie` header when it needs no signature check (no
   * cookie, a duplicate, or a token the verifier has cached), else the token
   * to verify. Synchronous, so a steady stream of requests with a known
   * token never waits on a promise.
   */
  function readRequest(cookieHeader: string | undefined): VerifyResult | string {
    const read = options.cookie.read(cookieHeader);
    switch (read.status) {
      case 'absent':
        return { ok: false, code: 'TOKEN_MISSING', reason: 'no session cookie' };
      case 'ambiguous':
        return { ok: false, code: 'DUPLICATE_COOKIE', reason: 'session cookie sent twice with different values' };
      case 'present':
        return verifier.verifyCached?.(read.value) ?? read.value;
    }
  }

  async function verifyRequest({ cookieHeader }: { cookieHeader: string | undefined }): Promise<VerifyResult> {
    const read = readRequest(cookieHeader);
    return typeof read === 'string' ? verifier.verify(read) : read;
  }

  /** Runs `settle` with the request's result: at once when it is known, else once the token is verified. */
  function withResult(req: Request, settle: (result: VerifyResult) => void): Promise<void> | undefined {
    const read = readRequest(req.headers.cookie);
    // A throw from settle reaches the router either way: synchronously here,
    // as a rejection below.
    if (typeof read !== 'string') {
      settle(read);
      return undefined;
    }
    return verifier.verify(read).then(settle);
  }

  return {
    verifyRequest,
    async getSession(req) {
      const result = await verifyRequest({ cookieHeader: req.headers.cookie });
      return result.ok ? result.claims : null;
    },
    requireSession(requireOptions = {}) {
      const redirectAuto = (requireOptions.redirect ?? 'auto') === 'auto';
      const redirect = options.loginUrl !== undefined && redirectAuto;
      const wanted = requireOptions.groups;
      if (wanted !== undefined && wanted.length === 0) {
        throw new SessionError('CONFIG_INVALID', 'requireSession({ groups }) needs at least one group (omit it to require only a session).');
      }
      const { mfa, maxAuthAge } = requireOptions;
      if (maxAuthAge !== undefined && (!Number.isInteger(maxAuthAge) || maxAuthAge < 1)) {
        throw new SessionError('CONFIG_INVALID', `requireSession({ maxAuthAge }) takes a whole number of seconds, at least 1 (got ${maxAuthAge}).`);
      }
      const stepUp = mfa === true || maxAuthAge !== undefined;
      if (stepUp && stepUpUrl === undefined) {
        throw new SessionError('CONFIG_INVALID', 'requireSession({ mfa, maxAuthAge }) needs the identity app\'s loginUrl (or stepUpUrl) to send people to step up.');
      }
      const requirement = { mfa, maxAuthAge };
      const returnToOf = (req: Request) => `${options.publicOrigin ?? `${req.protocol}://${req.get('host')}`}${req.originalUrl}`;
      return (req, res, next) =>
        withResult(req, (result) => {
          if (!result.ok) {
            if (redirect && RENEWABLE.has(result.code) && isPageNavigation(req)) {
              res.setHeader('Cache-Control', 'no-store');
              res.redirect(303, loginRedirectUrl(options.loginUrl!, returnToOf(req)));
              return;
            }
            throw new SessionError(result.code, result.reason);
          }
          if (wanted && !groupsOf(result.claims).some((g) => wanted.includes(g))) {
            throw new SessionError('FORBIDDEN', `not in any of the groups ${wanted.join(', ')}`);
          }
          const short = stepUp ? stepUpReason(result.claims, requirement, now()) : null;
          if (short !== null) {
            // Signed in, but not strongly or recently enough: the step-up page asks
            // for the second factor only (never the password) and comes back.
            if (redirectAuto && isPageNavigation(req)) {
              res.setHeader('Cache-Control', 'no-store');
              res.redirect(303, stepUpRedirectUrl(stepUpUrl!, { returnTo: returnToOf(req), maxAuthAge }));
              return;
            }
            throw new SessionError('STEP_UP_REQUIRED', short, { stepUpUrl: stepUpRedirectUrl(stepUpUrl!, { maxAuthAge }) });
          }
          res.locals.session = result.claims;
          next();
        });
    },
    optionalSession() {
      return (req, res, next) =>
        withResult(req, (result) => {
          if (!result.ok && result.code === 'KEYS_UNAVAILABLE') throw new SessionError(result.code, result.reason);
          res.locals.session = result.ok ? result.claims : null;
          next();
        });
    },
  };
}

/** The claims requireSession() stored for this request. */
export function sessionOf(res: Response): SsoClaims {
  const session = res.locals.session as SsoClaims | null | undefined;
  if (!session) throw new SessionError('TOKEN_MISSING', 'requireSession() did not run before this handler');
  return session;
}

/** The answer a relying app gives a fetch/XHR caller without a valid session: RFC 9457 with a stable code. */
export interface SessionProblem {
  status: 401 | 403 | 500 | 503;
  /** `SESSION_EXPIRED` and `UNAUTHENTICATED` both mean: renew at `loginUrl` (app 1 renews silently while the session lives). `FORBIDDEN`: signed in, not in a required group. `STEP_UP_REQUIRED`: signed in, go to `stepUpUrl` for a second factor. */
  code: 'SESSION_EXPIRED' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'STEP_UP_REQUIRED' | 'IDENTITY_UNAVAILABLE' | 'INTERNAL';
  detail: string;
  loginUrl?: string;
  /** STEP_UP_REQUIRED: the identity app's step-up page; send the browser there with `returnTo` set to where it was. */
  stepUpUrl?: string;
}

/**
 * Maps every session failure to the answer a client can act on; one mapping
 * for every relying app. `stepUpUrl`: the SessionError's, for STEP_UP_REQUIRED.
 */
export function sessionProblem(code: SessionErrorCode, loginUrl: string, stepUpUrl?: string): SessionProblem {
  switch (code) {
    case 'STEP_UP_REQUIRED':
      return {
        status: 401,
        code: 'STEP_UP_REQUIRED',
        detail: 'This page needs a second factor, proved recently. Confirm it at the identity app.',
        loginUrl,
        ...(stepUpUrl !== undefined ? { stepUpUrl } : {}),
      };
    case 'TOKEN_EXPIRED':
      return { status: 401, code: 'SESSION_EXPIRED', detail: 'Your session token expired; renew it at the identity app.', loginUrl };
    case 'TOKEN_MISSING':
    case 'TOKEN_INVALID':
    case 'TOKEN_REVOKED':
    case 'DUPLICATE_COOKIE':
      return { status: 401, code: 'UNAUTHENTICATED', detail: 'Sign in at the identity app.', loginUrl };
    case 'FORBIDDEN':
      return { status: 403, code: 'FORBIDDEN', detail: 'Your account is not in a group this page requires. Ask an administrator if you need it.' };
    case 'KEYS_UNAVAILABLE':
      return { status: 503, code: 'IDENTITY_UNAVAILABLE', detail: 'The identity app cannot be reached to verify your session. Try again shortly.' };
    case 'CONFIG_INVALID':
    case 'KEY_FILE_INVALID':
      return { status: 500, code: 'INTERNAL', detail: 'Something went wrong on our side.' };
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
