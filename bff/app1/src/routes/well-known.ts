import { Router } from 'express';
import type { RevocationFeed } from '@sso/types';
import type { App1Context } from '../context';

/** GET /.well-known/jwks.json: public keys only, cacheable for a minute. */
export function wellKnownRoutes(ctx: App1Context): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.json(ctx.keys ? ctx.keys.jwks() : { keys: [] });
  });
  return router;
}

/**
 * GET /api/revocations?since=N: revoked session ids whose tokens may still be
 * alive, and every signing key withdrawn in an emergency (the whole list).
 */
export function revocationRoutes(ctx: App1Context): Router {
  const router = Router();
  router.get('/revocations', async (req, res) => {
    const raw = typeof req.query.since === 'string' ? Number(req.query.since) : 0;
    const since = Number.isSafeInteger(raw) && raw >= 0 ? raw : 0;
    const feed = await ctx.sessionStore.revocationsSince(since, ctx.now());
    res.json({ ...feed, withdrawnKeys: ctx.keys?.withdrawn() ?? [] } satisfies RevocationFeed);
  });
  return router;
}
