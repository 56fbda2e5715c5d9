import { createCookieController, DEFAULT_COOKIE_NAME, type CookieController } from './cookie';
import { createSessionReader, type SessionReader } from './express';
import { createRemoteKeySet, type RemoteKeySet } from './jwks-client';
import { createRevocationFeed, type AccountDeletion, type RevocationFeed } from './revocation-feed';
import { createTokenVerifier, DEFAULT_TOKEN_TTL_SECONDS, hs256Secret } from './token';

export interface RelyingPartyOptions {
  /** The identity app's origin: the tokens' `iss` (e.g. `http://app1.sso.localhost:3001`). */
  issuer: string;
  /** The tokens' `aud` (by default the parent domain, e.g. `sso.localhost`). */
  audience: string;
  /** Parent domain of the cookie (e.g. `sso.localhost`). */
  cookieDomain: string;
  cookieName?: string;
  /**
   * Where to fetch the identity app's public keys. Default: `${issuer}/.well-known/jwks.json`.
   * Node cannot resolve `*.localhost`; locally pass `http://127.0.0.1:3001/.well-known/jwks.json`.
   */
  jwksUrl?: string;
  /** The identity app's sign-in page, where browsers renew (default `${issuer}/login`). */
  loginUrl?: string;
  /** The identity app's step-up page, for `requireSession({ mfa, maxAuthAge })` (default `${issuer}/login/step-up`). */
  stepUpUrl?: string;
  /** This app's public origin (`https://learn.example.com`), for `returnTo`; default from the request. */
  publicOrigin?: string;
  /** The identity app's revocation feed. Default: next to the JWKS URL, `/api/revocations`. */
  revocationsUrl?: string;
  /** Poll interval of the revocation feed (default 1000 ms); bounds how stale a sign-out can be. */
  revocationPollMs?: number;
  /** HS256 compatibility mode: verify with this shared secret (>= 32 bytes) instead of the JWKS. */
  hs256Secret?: string | Uint8Array;
  /** Maximum token age in seconds (default: the token lifetime, 600). */
  maxTokenAgeSeconds?: number;
  /** Extra headers on calls to the identity app (a request id, say). */
  headers?: () => Record<string, string>;
  /**
   * Told of each account the identity app deleted (from its feed), only for
   * this issuer: delete your local user keyed by (`iss`, `sub`). At least
   * once: make it idempotent. A throw retries it at the next poll.
   */
  onAccountDeleted?: (deleted: AccountDeletion) => void | Promise<void>;
  /** Told of failed calls to the identity app (cached data keeps being used). */
  onError?: (err: unknown, source: 'jwks' | 'revocations') => void;
  /** Told of every JWKS fetch once it ended, and whether it succeeded (a metric, say). */
  onJwksFetch?: (ok: boolean) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Everything a relying app needs, wired: cookie, keys, revocations, verifier, middleware. */
export interface RelyingParty extends SessionReader {
  cookie: CookieController;
  /** The identity app's sign-in page. */
  loginUrl: string;
  /** The identity app's step-up page (a second factor again, no password). */
  stepUpUrl: string;
  /** Null in HS256 mode. */
  keys: RemoteKeySet | null;
  revocations: RevocationFeed;
  /** Starts polling the revocation feed (call once the app listens). */
  start(): void;
  stop(): void;
}

/**
 * Joins an app to the domain's single sign-on in one call: verifies the
 * domain cookie with the identity app's JWKS (or the HS256 secret), refuses
 * revoked sessions, and offers `requireSession()`, `optionalSession()`,
 * `getSession(req)` and the framework-agnostic `verifyRequest({ cookieHeader })`.
 */
export function createRelyingParty(options: RelyingPartyOptions): RelyingParty {
  const jwksUrl = options.jwksUrl ?? new URL('/.well-known/jwks.json', options.issuer).href;
  const revocationsUrl = options.revocationsUrl ?? new URL('/api/revocations', jwksUrl).href;
  const keys = options.hs256Secret
    ? null
    : createRemoteKeySet({
        url: jwksUrl,
        fetch: options.fetch,
        now: options.now,
        headers: options.headers,
        onError: (err) => options.onError?.(err, 'jwks'),
        onFetch: options.onJwksFetch,
      });
  const revocations = createRevocationFeed({
    url: revocationsUrl,
    intervalMs: options.revocationPollMs,
    fetch: options.fetch,
    now: options.now,
    headers: options.headers,
    onError: (err) => options.onError?.(err, 'revocations'),
    // Drop the withdrawn key from our copy of the JWKS and learn its replacement now.
    onKeysWithdrawn: () => keys?.refresh().catch((err: unknown) => options.onError?.(err, 'jwks')),
    // Another issuer's subject is not ours to delete.
    ...(options.onAccountDeleted ? { onAccountDeleted: (d: AccountDeletion) => (d.iss === options.issuer ? options.onAccountDeleted!(d) : undefined) } : {}),
  });
  const cookie = createCookieController({ name: options.cookieName ?? DEFAULT_COOKIE_NAME, domain: options.cookieDomain });
  const loginUrl = options.loginUrl ?? new URL('/login', options.issuer).href;
  const stepUpUrl = options.stepUpUrl ?? new URL('/login/step-up', options.issuer).href;
  const reader = createSessionReader({
    cookie,
    loginUrl,
    stepUpUrl,
    now: options.now,
    publicOrigin: options.publicOrigin,
    verifier: createTokenVerifier({
      issuer: options.issuer,
      audience: options.audience,
      method: keys
        ? { alg: 'EdDSA', getKey: keys.getKey }
        : { alg: 'HS256', secret: typeof options.hs256Secret === 'string' ? hs256Secret(options.hs256Secret) : options.hs256Secret! },
      maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
      isRevoked: revocations.isRevoked,
      isKeyWithdrawn: revocations.isKeyWithdrawn,
      now: options.now,
    }),
  });
  return {
    ...reader,
    cookie,
    loginUrl,
    stepUpUrl,
    keys,
    revocations,
    start() {
      revocations.sync().catch((err: unknown) => options.onError?.(err, 'revocations'));
      revocations.start();
    },
    stop: () => revocations.stop(),
  };
}
