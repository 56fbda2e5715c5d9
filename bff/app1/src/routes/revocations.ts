import { Router } from 'express';
import type { RevocationFeed } from '@sso/types';
import type { App1Context } from '../context';
import { revocationFeed } from '../sessions/lifecycle';

/**
 * GET /api/revocations?since=N: revoked session ids whose tokens may still be
 * alive, and every signing key withdrawn in an emergency (the whole list).
 * Relying apps poll it (ADR 003).
 */
export function revocationRoutes(ctx: App1Context): Router {
  const router = Router();
  router.get('/revocations', async (req, res) => {
    const raw = typeof req.query.since === 'string' ? Number(req.query.since) : 0;
    const since = Number.isSafeInteger(raw) && raw >= 0 ? raw : 0;
    res.json((await revocationFeed(ctx, since)) satisfies RevocationFeed);
  });
  return router;
}
