import type { Express, Router } from 'express';
import { sessionOf, type SessionReader } from '@sso/session';
import type { SecurityResponse } from '@sso/types';

/**
 * App 2's security settings: a route that needs a second factor, proved
 * within `maxAuthAge` seconds (ADR 032). GET /api/security answers fetch
 * callers 401 STEP_UP_REQUIRED (with `stepUpUrl`) otherwise; a browser
 * opening /security is sent (303) to app 1's step-up page and comes back.
 */
export function addSecurityRoutes(api: Router, deps: { reader: SessionReader; maxAuthAge: number }): void {
  api.get('/security', deps.reader.requireSession({ mfa: true, maxAuthAge: deps.maxAuthAge, redirect: 'never' }), (_req, res) => {
    const claims = sessionOf(res);
    // requireSession({ maxAuthAge }) refused a token without auth_time.
    const authTime = claims.auth_time!;
    res.json({
      username: claims.preferred_username,
      amr: claims.amr ?? [],
      authTime: new Date(authTime * 1000).toISOString(),
      stepUpValidUntil: new Date((authTime + deps.maxAuthAge) * 1000).toISOString(),
    } satisfies SecurityResponse);
  });
}

/** The /security page itself: a page navigation that falls short goes to app 1's step-up before the SPA loads. */
export function guardSecurityPage(app: Express, deps: { reader: SessionReader; maxAuthAge: number }): void {
  app.get('/security', deps.reader.requireSession({ mfa: true, maxAuthAge: deps.maxAuthAge }), (_req, _res, next) => next());
}
