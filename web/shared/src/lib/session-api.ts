import { useEffect } from 'react';
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

/** Renew this long before the token expires: a fifth of its remaining life, between 5 s and 60 s. */
export function renewalLead(remainingMs: number): number {
  return Math.min(60_000, Math.max(5_000, remainingMs / 5));
}

/**
 * Keeps an open tab's session alive: renews shortly before `tokenExpiresAt`
 * (one renewal per origin across tabs), and at once when a sleeping laptop
 * or a hidden tab wakes up past that moment. `onRenewed` gets the new
 * expiry; `onEnded` the error when the session is over.
 */
export function useSessionKeepAlive(options: {
  identityOrigin: string;
  tokenExpiresAt: string | null | undefined;
  onRenewed: (tokenExpiresAt: string) => void;
  onEnded: (err: unknown) => void;
}): void {
  const { identityOrigin, tokenExpiresAt, onRenewed, onEnded } = options;
  useEffect(() => {
    if (!tokenExpiresAt) return;
    const expiresAt = Date.parse(tokenExpiresAt);
    const learnedAt = Date.now();
    const dueAt = expiresAt - renewalLead(expiresAt - learnedAt);
    let done = false;
    const renew = () => {
      if (done) return;
      done = true;
      refreshSessionOnce(identityOrigin, learnedAt).then(onRenewed, (err: unknown) => {
        if (isSignedOutError(err)) onEnded(err);
        else {
          // Network trouble: try again shortly (the token may still be good).
          done = false;
          timer = setTimeout(renew, 5_000);
        }
      });
    };
    let timer = setTimeout(renew, Math.max(0, dueAt - Date.now()));
    // Timers do not run while a laptop sleeps: catch up when the tab is seen again.
    const wake = () => {
      if (document.visibilityState === 'visible' && Date.now() >= dueAt) renew();
    };
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('online', wake);
    window.addEventListener('focus', wake);
    return () => {
      done = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('online', wake);
      window.removeEventListener('focus', wake);
    };
  }, [identityOrigin, tokenExpiresAt, onRenewed, onEnded]);
}

/** The identity app's sign-in page, asking to come back to `returnTo` afterwards, saying why if the session ended. */
export function loginUrl(identityOrigin: string, returnTo: string, ended?: SessionEndReason | null): string {
  const url = new URL('/login', identityOrigin);
  url.searchParams.set('returnTo', returnTo);
  if (ended) url.searchParams.set('ended', ended);
  return url.href;
}
