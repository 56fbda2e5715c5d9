import { Router } from 'express';
import { HttpError } from '@sso/bff-common';
import type { RefreshResponse, SessionResponse } from '@sso/types';
import type { App1Context } from '../context';
import { renewSession } from '../sessions/renew';
import { toAccount } from '../users/account';
import { idleExpiresAt, requireAccount } from '../sessions/lifecycle';

/** GET /api/session and POST /api/session/refresh. */
export function sessionRoutes(ctx: App1Context): Router {
  const router = Router();

  router.get('/session', async (req, res) => {
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
