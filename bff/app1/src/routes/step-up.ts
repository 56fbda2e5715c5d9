import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { PasskeyLoginRequestSchema, StepUpQuerySchema, StepUpRequestSchema, type PasskeyOptionsResponse, type StepUpResponse, type StepUpStatus } from '@sso/types';
import type { App1Context } from '../context';
import { requireAccount } from '../sessions/lifecycle';
import { logRefusedOrigin, returnToOrigins, safeRedirect } from '../sessions/return-to';
import { checkSecondFactor } from '../mfa/verify-second-factor';
import { passkeyStepUpNeedsVerification, recordStepUp, stepUpMargin, stepUpMethods, stepUpSatisfied } from '../mfa/step-up';
import { passkeyAssertionOptions, verifyPasskeyAssertion } from '../passkeys/passkeys';
import { refusePasskey } from './passkeys';
import { refuseSecondFactor } from './second-factor';

/**
 * Step-up for a live session (ADR 032): the page at /login/step-up asks
 * GET /api/session/step-up what to do, and POST /api/session/step-up takes
 * the second factor only (never the password), marks the server session
 * (amr with otp and mfa, auth_time now), re-issues the domain cookie and
 * says where to go back to. The same POST is the recent-authentication
 * prompt of app 1's sensitive actions. A passkey steps up through
 * POST /api/session/step-up/passkey/options then /api/session/step-up/passkey
 * (ADR 033): a challenge bound to this session, single use, the account's
 * second-factor limit taken before the answer is checked.
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

  // Only app 1's own pages ask for a second factor: a sibling app (even one
  // running a script it should not) cannot post codes or passkey answers here for the session.
  const ownOrigin = (origin: string | undefined) => {
    if (origin !== ctx.config.origin) throw new HttpError('FORBIDDEN_ORIGIN', 'Only the identity app itself may ask for a second factor.');
  };

  router.post('/session/step-up', async (req, res) => {
    ownOrigin(req.headers.origin);
    const account = await requireAccount(ctx, req);
    const body = parseBody(StepUpRequestSchema, req.body);
    const methods = await stepUpMethods(ctx, account.user.id);
    if (methods.length === 0) throw new HttpError('SECOND_FACTOR_NOT_ENROLLED', 'Set up two-step sign-in on your account page first.');
    // An account whose only way to step up is a passkey has no code to give.
    if (!methods.includes('totp')) throw new HttpError('SECOND_FACTOR_NOT_ENROLLED', 'This account has no authenticator app: use your passkey.');
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

  router.post('/session/step-up/passkey/options', async (req, res) => {
    ownOrigin(req.headers.origin);
    const { user, session } = await requireAccount(ctx, req);
    if (!(await stepUpMethods(ctx, user.id)).includes('passkey')) throw new HttpError('SECOND_FACTOR_NOT_ENROLLED', 'This account has no passkey.');
    // Bound to this session and this account's passkeys; a new request replaces the earlier challenge.
    const options = await passkeyAssertionOptions(ctx, {
      purpose: 'step-up',
      binding: session.id,
      userId: user.id,
      requireUserVerification: await passkeyStepUpNeedsVerification(ctx, user.id),
    });
    res.json({ options: { ...options } } satisfies PasskeyOptionsResponse);
  });

  router.post('/session/step-up/passkey', async (req, res) => {
    ownOrigin(req.headers.origin);
    const account = await requireAccount(ctx, req);
    const body = parseBody(PasskeyLoginRequestSchema, req.body);
    const userId = account.user.id;
    // The account's second-factor limit, shared with codes, taken before the answer is checked.
    const admission = await ctx.secondFactorThrottle.begin(userId, null);
    if (!admission.ok) {
      req.log.warn({ event: 'mfa.throttled', userId, reason: admission.reason, method: 'passkey' }, 'audit');
      throw new HttpError('RATE_LIMITED', 'Too many failed second factors for this account. Try again later.', { retryAfter: admission.reason === 'account' ? admission.retryAfter : 60 });
    }
    const result = await verifyPasskeyAssertion(ctx, {
      purpose: 'step-up',
      binding: account.session.id,
      userId,
      credential: body.credential as AuthenticationResponseJSON,
      log: req.log,
      requireUserVerification: await passkeyStepUpNeedsVerification(ctx, userId),
    });
    if (!result.ok) {
      req.log.warn({ event: 'mfa.failure', userId, method: 'passkey' }, 'audit');
      refusePasskey(result, ctx.config.passkeys.maxPerUser);
    }
    await admission.succeeded();
    const { session, tokenExpiresAt } = await recordStepUp(ctx, req, res, account, [result.amr]);
    req.log.info({ event: 'mfa.step-up', userId, sid: session.id, secondFactor: 'passkey', amr: result.amr }, 'audit');
    res.json({
      redirectTo: safeRedirect(body.returnTo, allowedReturn, home, logRefusedOrigin(req)),
      tokenExpiresAt: tokenExpiresAt.toISOString(),
    } satisfies StepUpResponse);
  });

  return router;
}
