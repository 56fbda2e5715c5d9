import { Router } from 'express';
import { HttpError } from '@sso/bff-common';
import type { RefreshResponse, SessionResponse } from '@sso/types';
import type { App1Context } from '../context';
import { renewSession } from '../sessions/renew';
import { toAccount } from '../users/account';
import { hasNoSessionCookies, idleExpiresAt, requireAccount } from '../sessions/lifecycle';

/** GET /api/session (`{ user: null }` when no session cookie came) and POST /api/session/refresh. */
export function sessionRoutes(ctx: App1Context): Router {
  const router = Router();

  router.get('/session', async (req, res) => {
    // A visitor who was never signed in (or signed out: both cookies are
    // cleared together) is a normal state, answered 200 rather than a 401
    // that every signed-out page load would log. Anything else without a
    // valid token (expired, invalid, or only the refresh cookie) keeps its
    // 401 with a code: the SPA renews on it and retries once (ADR 015).
    if (hasNoSessionCookies(ctx, req)) {
      res.json({ user: null } satisfies SessionResponse);
      return;
    }
    const { claims, session, user } = await requireAccount(ctx, req);
    res.json({
      user: toAccount(user),
      session: {
        id: session.id,
        createdAt: new Date(session.createdAt).toISOString(),
        tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
        idleExpiresAt: idleExpiresAt(ctx, session).toISOString(),
        absoluteExpiresAt: new Date(session.absoluteExpiresAt).toISOString(),
      },
    } satisfies SessionResponse);
  });

  router.post('/session/refresh', async (req, res) => {
    const outcome = await renewSession(ctx, req, res);
    if (!outcome.ok) {
      if (outcome.code === 'UNAUTHENTICATED') throw new HttpError('UNAUTHENTICATED', 'Sign in again.');
      throw new HttpError(outcome.code, 'Sign in again.', { reason: outcome.reason });
    }
    res.json({ tokenExpiresAt: outcome.tokenExpiresAt.toISOString() } satisfies RefreshResponse);
  });

  return router;
}
