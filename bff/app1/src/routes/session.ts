import { Router } from 'express';
import { HttpError } from '@sso/bff-common';
import type { RefreshResponse, SessionResponse } from '@sso/types';
import type { App1Context } from '../context';
import { clearSessionCookies, issueSessionCookies } from '../sessions/issue';
import { toAccount } from '../users/account';
import { requireAccount } from './account';

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
        idleExpiresAt: new Date(ctx.sessions.idleExpiresAt(session)).toISOString(),
        absoluteExpiresAt: new Date(session.absoluteExpiresAt).toISOString(),
      },
    } satisfies SessionResponse);
  });

  router.post('/session/refresh', async (req, res) => {
    const refreshValue = ctx.cookies.refresh.read(req.headers.cookie);
    const token = refreshValue.status === 'present' ? refreshValue.value : undefined;
    const outcome = await ctx.sessions.refresh(token, ctx.now());
    if (!outcome.ok) {
      if (outcome.code === 'REFRESH_REUSED') req.log.warn({ event: 'refresh.reuse' }, 'audit');
      clearSessionCookies(ctx, res);
      throw new HttpError(401, outcome.code === 'SESSION_EXPIRED' ? 'UNAUTHENTICATED' : outcome.code, 'Sign in again.');
    }
    const user = await ctx.users.findById(outcome.session.userId);
    if (!user || user.disabledAt !== null) {
      await ctx.sessions.revoke([outcome.session.id], 'user-disabled', ctx.now());
      clearSessionCookies(ctx, res);
      throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in again.');
    }
    const { tokenExpiresAt } = await issueSessionCookies(ctx, res, user, outcome.session, outcome.refreshToken);
    req.log.info({ event: 'refresh', userId: user.id, sid: outcome.session.id }, 'audit');
    res.json({ tokenExpiresAt: tokenExpiresAt.toISOString() } satisfies RefreshResponse);
  });

  return router;
}
