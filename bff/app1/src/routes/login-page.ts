import { Router } from 'express';
import type { App1Context } from '../context';
import { getAccount, hasFreshToken, hasRefreshCookie } from '../sessions/lifecycle';
import { renewSession } from '../sessions/renew';
import { logRefusedOrigin, returnToOrigins, safeRedirect } from '../sessions/return-to';

/**
 * GET /login, before the SPA: where every relying app sends a browser that
 * has no valid token. With a live session (the host-only refresh cookie) it
 * renews on the server and sends the browser straight back to `returnTo`
 * (allow-listed only), without loading the sign-in page. With a dead one it
 * comes back here with `ended=<reason>` so the form says why. Otherwise the
 * SPA's form is served as usual.
 */
export function loginPageRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const allowedReturn = returnToOrigins(ctx.config);

  router.get('/login', async (req, res, next) => {
    if (req.method !== 'GET' || !hasRefreshCookie(ctx, req)) return next();
    const returnTo = typeof req.query.returnTo === 'string' ? req.query.returnTo : undefined;
    // A token with most of its life left means the app that sent us here
    // refused a fresh token (misconfigured, or a cookie it never receives):
    // renewing again would loop, so show the page instead.
    if (await hasFreshToken(ctx, req)) return next();

    const outcome = await renewSession(ctx, req, res);
    res.setHeader('Cache-Control', 'no-store');
    if (outcome.ok) {
      res.redirect(303, safeRedirect(returnTo, allowedReturn, home, logRefusedOrigin(req)));
      return;
    }
    if (outcome.code === 'UNAUTHENTICATED') return next();
    const again = new URLSearchParams();
    if (returnTo !== undefined) again.set('returnTo', returnTo);
    again.set('ended', outcome.reason);
    res.redirect(303, `/login?${again}`);
  });

  /**
   * GET /login/step-up?returnTo=…&max_age=…, where relying apps send a
   * signed-in person for a second factor (ADR 032). With a live session and
   * a valid token, the SPA's step-up page asks for the second factor only.
   * Without a valid token, /login first: it renews silently while the session
   * lives and comes straight back here, or shows the form (a dead session),
   * whose sign-in then lands here.
   */
  router.get('/login/step-up', async (req, res, next) => {
    if (await getAccount(ctx, req)) return next();
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, `/login?${new URLSearchParams({ returnTo: `${ctx.config.origin}${req.originalUrl}` })}`);
  });

  return router;
}
