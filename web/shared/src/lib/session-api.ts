import { LogoutResponseSchema, RefreshResponseSchema, type SessionEndReason } from '@sso/types';
import { apiRequest } from './api-client';
import { isApiError, type ApiError } from './api-error';

/** POST {identity}/api/session/refresh: rotates the refresh cookie, re-issues the domain cookie. */
export function refreshSession(identityOrigin: string) {
  return apiRequest({ url: `${identityOrigin}/api/session/refresh`, method: 'POST', json: {}, schema: RefreshResponseSchema });
}

/** POST {identity}/api/logout: revokes the session everywhere and clears both cookies. */
export function logout(identityOrigin: string, everywhere = false) {
  return apiRequest({ url: `${identityOrigin}/api/logout`, method: 'POST', json: { everywhere }, schema: LogoutResponseSchema });
}

/** What the tabs of this origin share about the last renewal (localStorage). */
const RENEWAL_KEY = 'sso-renewal';
interface RenewalNote {
  /** When a tab of this origin last renewed (ms). */
  at: number;
  /** When the token it got expires (ISO). */
  tokenExpiresAt: string;
}

function readNote(): RenewalNote | null {
  try {
    const note = JSON.parse(localStorage.getItem(RENEWAL_KEY) ?? 'null') as RenewalNote | null;
    return note && typeof note.at === 'number' && typeof note.tokenExpiresAt === 'string' ? note : null;
  } catch {
    return null;
  }
}

function writeNote(note: RenewalNote): void {
  try {
    localStorage.setItem(RENEWAL_KEY, JSON.stringify(note));
  } catch {
    /* storage unavailable: tabs just renew on their own */
  }
}

let refreshing: Promise<string> | null = null;

/**
 * Renews the domain token at the identity app, once. The refresh token
 * rotates on every use, so renewals must not race: calls in this tab share
 * one request, tabs of this origin queue on a Web Lock, and a tab that gets
 * the lock after another tab renewed since `since` (ms) uses that renewal
 * instead of making its own. Resolves to the new token's expiry; rejects
 * with the identity app's ApiError (SESSION_ENDED with a reason, ...) when
 * the session is over.
 */
export function refreshSessionOnce(identityOrigin: string, since = Date.now()): Promise<string> {
  const renew = async (): Promise<string> => {
    const note = readNote();
    if (note && note.at >= since && Date.parse(note.tokenExpiresAt) > Date.now()) return note.tokenExpiresAt;
    const { tokenExpiresAt } = await refreshSession(identityOrigin);
    writeNote({ at: Date.now(), tokenExpiresAt });
    return tokenExpiresAt;
  };
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  refreshing ??= (locks ? (locks.request('sso-refresh', renew) as unknown as Promise<string>) : renew()).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** "No valid token here": the domain token expired, or the cookie is gone (its lifetime ended, or it never existed). */
export function needsRenewal(err: unknown): boolean {
  return isApiError(err, 'SESSION_EXPIRED') || isApiError(err, 'UNAUTHENTICATED');
}

/** The session is over (or there never was one): only signing in helps. */
export function isSignedOutError(err: unknown): err is ApiError {
  return needsRenewal(err) || isApiError(err, 'SESSION_ENDED') || isApiError(err, 'REFRESH_REUSED');
}

/** Why the session ended, when the identity app said (idle, signed out elsewhere, ...). */
export function sessionEndReason(err: unknown): SessionEndReason | null {
  return isApiError(err) ? (err.problem?.reason ?? null) : null;
}

/**
 * Runs `call`; when it finds no valid token, renews at the identity app and
 * retries exactly once. A person with a live session never sees a sign-in
 * form; when renewal fails, its error (with the reason) is thrown.
 */
export async function withSessionRefresh<T>(identityOrigin: string, call: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  try {
    return await call();
  } catch (err) {
    if (!needsRenewal(err)) throw err;
    await refreshSessionOnce(identityOrigin, startedAt);
    return call();
  }
}

/** The identity app's sign-in page, asking to come back to `returnTo` afterwards, saying why if the session ended. */
export function loginUrl(identityOrigin: string, returnTo: string, ended?: SessionEndReason | null): string {
  const url = new URL('/login', identityOrigin);
  url.searchParams.set('returnTo', returnTo);
  if (ended) url.searchParams.set('ended', ended);
  return url.href;
}
