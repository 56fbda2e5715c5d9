import { createCookieController, type CookieController } from '@sso/session';

/** Host-only, so sibling subdomains never see it; only app 1 can refresh. */
export const REFRESH_COOKIE_NAME = '__Host-sso-refresh';

export interface App1Cookies {
  /** The short-lived domain token every app on the parent domain reads. */
  token: CookieController;
  /** The long-lived refresh token, host-only on app 1. */
  refresh: CookieController;
  /**
   * A host-only cookie of the token's name, never set by us but cleared on
   * sign-out: a deployment once configured without a Domain leaves one behind.
   */
  tokenHostOnly: CookieController;
}

export function createApp1Cookies(config: { cookieName: string; cookieDomain: string }): App1Cookies {
  return {
    token: createCookieController({ name: config.cookieName, domain: config.cookieDomain, sameSite: 'lax' }),
    // Strict: only requests from our own site (app 1 itself, or a sibling's
    // fetch to app 1) carry it, never a navigation from elsewhere.
    refresh: createCookieController({ name: REFRESH_COOKIE_NAME, sameSite: 'strict' }),
    tokenHostOnly: createCookieController({ name: config.cookieName, sameSite: 'lax' }),
  };
}
