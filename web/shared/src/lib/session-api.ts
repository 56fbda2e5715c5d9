import { LogoutResponseSchema, RefreshResponseSchema } from '@sso/types';
import { apiRequest } from './api-client';
import { isApiError } from './api-error';

/** POST {identity}/api/session/refresh: rotates the refresh cookie, re-issues the domain cookie. */
export function refreshSession(identityOrigin: string) {
  return apiRequest({ url: `${identityOrigin}/api/session/refresh`, method: 'POST', json: {}, schema: RefreshResponseSchema });
}

/** POST {identity}/api/logout: revokes the session everywhere and clears both cookies. */
export function logout(identityOrigin: string, everywhere = false) {
  return apiRequest({ url: `${identityOrigin}/api/logout`, method: 'POST', json: { everywhere }, schema: LogoutResponseSchema });
}

let refreshing: Promise<unknown> | null = null;

/**
 * One refresh at a time. The refresh token rotates on every use and a second
 * use of the old value signs the session out everywhere (theft detection),
 * so concurrent refreshes must not race: calls in this tab share one request,
 * and tabs of this origin queue on a Web Lock, each sending the refresh
 * cookie the previous one left in the browser.
 */
export function refreshSessionOnce(identityOrigin: string): Promise<unknown> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  refreshing ??= (locks ? locks.request('sso-refresh', () => refreshSession(identityOrigin)) : refreshSession(identityOrigin)).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * Runs `call`; when the domain token has expired, refreshes it at the
 * identity app and retries exactly once.
 */
export async function withSessionRefresh<T>(identityOrigin: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isApiError(err, 'SESSION_EXPIRED')) throw err;
    await refreshSessionOnce(identityOrigin);
    return call();
  }
}

/** The identity app's sign-in page, asking to come back to `returnTo` afterwards. */
export function loginUrl(identityOrigin: string, returnTo: string): string {
  const url = new URL('/login', identityOrigin);
  url.searchParams.set('returnTo', returnTo);
  return url.href;
}
