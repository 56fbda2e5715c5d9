import { Router } from 'express';

export type ReadinessCheck = () => Promise<{ ok: boolean; error?: string }>;

/**
 * GET /healthz: the process answers (liveness).
 * GET /readyz: every named check passes (readiness), else 503 with the failing ones.
 */
export function healthRoutes(checks: Record<string, ReadinessCheck> = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = Object.fromEntries(await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch((err: unknown) => ({ ok: false, error: String(err) }))] as const)));
    const ready = Object.values(results).every((r) => r.ok);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: results });
  });
  return router;
}
