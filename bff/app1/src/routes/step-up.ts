import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import { StepUpQuerySchema, StepUpRequestSchema, type StepUpResponse, type StepUpStatus } from '@sso/types';
import type { App1Context } from '../context';
import { requireAccount } from '../sessions/lifecycle';
import { logRefusedOrigin, returnToOrigins, safeRedirect } from '../sessions/return-to';
import { checkSecondFactor } from '../mfa/verify-second-factor';
import { recordStepUp, stepUpMargin, stepUpMethods, stepUpSatisfied } from '../mfa/step-up';
import { refuseSecondFactor } from './second-factor';

/**
 * Step-up for a live session (ADR 032): the page at /login/step-up asks
 * GET /api/session/step-up what to do, and POST /api/session/step-up takes
 * the second factor only (never the password), marks the server session
 * (amr with otp and mfa, auth_time now), re-issues the domain cookie and
 * says where to go back to. The same POST is the recent-authentication
 * prompt of app 1's sensitive actions.
 */
export function stepUpRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const allowedReturn = returnToOrigins(ctx.config);

  router.get('/session/step-up', async (req, res) => {
    const { session, user } = await requireAccount(ctx, req);
    const query = parseBody(StepUpQuerySchema, { ...req.query });
    const methods = await stepUpMethods(ctx, user.id);
    const maxAge = query.max_age === undefined ? undefined : Number(query.max_age);
    res.json({
      methods,
      satisfied: stepUpSatisfied(session, maxAge, ctx.now(), stepUpMargin(maxAge)),
      redirectTo: safeRedirect(query.returnTo, allowedReturn, home, logRefusedOrigin(req)),
      username: user.username,
    } satisfies StepUpStatus);
  });

  router.post('/session/step-up', async (req, res) => {
    // Only app 1's own pages ask for a second factor: a sibling app (even one
    // running a script it should not) cannot post codes here for the session.
    if (req.headers.origin !== ctx.config.origin) throw new HttpError('FORBIDDEN_ORIGIN', 'Only the identity app itself may ask for a second factor.');
    const account = await requireAccount(ctx, req);
    const body = parseBody(StepUpRequestSchema, req.body);
    const methods = await stepUpMethods(ctx, account.user.id);
    if (methods.length === 0) throw new HttpError('SECOND_FACTOR_NOT_ENROLLED', 'Set up two-step sign-in on your account page first.');
    // The account's second-factor limit (a burst counts before any code is
    // checked); a code works once, so a code seen at sign-in cannot step up.
    const check = await checkSecondFactor(ctx, { userId: account.user.id, code: body.code, pendingId: null, allowRecovery: true, log: req.log });
    if (!check.ok) refuseSecondFactor(check);
    const { session, tokenExpiresAt } = await recordStepUp(ctx, req, res, account, ['otp']);
    req.log.info({ event: 'mfa.step-up', userId: account.user.id, sid: session.id, secondFactor: check.method }, 'audit');
    res.json({
      redirectTo: safeRedirect(body.returnTo, allowedReturn, home, logRefusedOrigin(req)),
      tokenExpiresAt: tokenExpiresAt.toISOString(),
    } satisfies StepUpResponse);
  });

  return router;
}
