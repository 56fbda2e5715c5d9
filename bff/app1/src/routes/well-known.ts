import { Router } from 'express';
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
