import { Router, type Request } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import {
  SecondFactorLoginRequestSchema,
  SecondFactorProofRequestSchema,
  TotpConfirmRequestSchema,
  type LoginResponse,
  type RecoveryCodesResponse,
  type SecondFactorChallenge,
  type SecondFactorStatus,
  type TotpSetupResponse,
} from '@sso/types';
import type { App1Context } from '../context';
import { issueSession, requireAccount } from '../sessions/lifecycle';
import { logRefusedOrigin, safeRedirect } from '../sessions/return-to';
import { toAccount } from '../users/account';
import { hashRecoveryCode, newRecoveryCodes } from '../mfa/recovery-codes';
import { checkSecondFactor, enrolledSecondFactors, type SecondFactorCheck } from '../mfa/verify-second-factor';
import { matchTotp, newTotpSecret, totpUri } from '../mfa/totp';
import { noticeSecondFactor } from '../mfa/notices';

/** The amr of a sign-in that passed the password and a one-time code (RFC 8176). */
const PASSWORD_AND_OTP = ['pwd', 'otp', 'mfa'] as const;

/** The answer to a failed second-factor check (shared with step-up). */
export function refuseSecondFactor(check: Exclude<SecondFactorCheck, { ok: true }>): never {
  switch (check.code) {
    case 'RATE_LIMITED':
      throw new HttpError('RATE_LIMITED', 'Too many wrong codes for this account. Try again later.', { retryAfter: check.retryAfter });
    case 'SECOND_FACTOR_EXPIRED':
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'Too many wrong codes for this sign-in. Sign in again.');
    case 'INVALID_SECOND_FACTOR':
      throw new HttpError('INVALID_SECOND_FACTOR', 'That code is not valid, or it was used already.', { errors: { code: ['That code is not valid, or it was used already.'] } });
    default: {
      const unreachable: never = check;
      return unreachable;
    }
  }
}

/**
 * POST /api/login/second-factor: finishes a pending sign-in (password
 * passed) with a TOTP or recovery code; only then is there a session.
 * GET /api/account/second-factor, POST /api/account/totp/{setup,confirm,disable},
 * POST /api/account/recovery-codes: enrolment and management.
 */
export function secondFactorRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const redirectFor = (req: Request, returnTo: string | undefined) => safeRedirect(returnTo, ctx.config.appOrigins, home, logRefusedOrigin(req));
  const passwordHashOf = async (userId: string) => {
    const user = await ctx.users.findById(userId);
    return user && user.disabledAt === null ? user.passwordHash : null;
  };

  // The pending sign-in's methods, for the second-factor page (a passkey button only when the account has one).
  router.get('/login/second-factor', async (req, res) => {
    const pending = await ctx.pendingSignIns.read(req.headers.cookie, passwordHashOf);
    if (!pending) throw new HttpError('SECOND_FACTOR_EXPIRED', 'Your sign-in took too long, or it was finished already. Sign in again.');
    res.json({ secondFactor: { methods: await enrolledSecondFactors(ctx, pending.userId), expiresAt: new Date(pending.expiresAt).toISOString() } } satisfies SecondFactorChallenge);
  });

  router.post('/login/second-factor', async (req, res) => {
    const body = parseBody(SecondFactorLoginRequestSchema, req.body);
    const pending = await ctx.pendingSignIns.read(req.headers.cookie, passwordHashOf);
    if (!pending) {
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'Your sign-in took too long, or it was finished already. Sign in again.');
    }
    const check = await checkSecondFactor(ctx, { userId: pending.userId, code: body.code, pendingId: pending.id, allowRecovery: true, log: req.log });
    if (!check.ok) {
      if (check.code === 'SECOND_FACTOR_EXPIRED') res.append('Set-Cookie', ctx.pendingSignIns.clear());
      ctx.metrics?.signIns.inc({ outcome: check.code === 'RATE_LIMITED' ? 'throttled' : 'second_factor_failure' });
      refuseSecondFactor(check);
    }
    // One session per pending sign-in, even if two right codes race.
    const user = await ctx.users.findById(pending.userId);
    if (!user || user.disabledAt !== null || !(await ctx.secondFactorThrottle.finish(pending.id))) {
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'This sign-in was finished already. Sign in again.');
    }
    res.append('Set-Cookie', ctx.pendingSignIns.clear());
    const { session } = await issueSession(ctx, res, user, PASSWORD_AND_OTP);
    req.log.info({ event: 'login.success', userId: user.id, sid: session.id, secondFactor: check.method }, 'audit');
    ctx.metrics?.signIns.inc({ outcome: 'second_factor_success' });
    res.json({ user: toAccount(user), redirectTo: redirectFor(req, body.returnTo) } satisfies LoginResponse);
    if (check.method === 'recovery-code') noticeSecondFactor(ctx, user, { kind: 'recovery-code-used', left: check.recoveryCodesLeft ?? 0 });
  });

  router.get('/account/second-factor', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const totp = await ctx.secondFactors.getTotp(user.id);
    res.json({
      totp: { enabled: Boolean(totp?.confirmedAt), enabledAt: totp?.confirmedAt ?? null },
      recoveryCodesLeft: totp?.confirmedAt ? await ctx.secondFactors.recoveryCodesLeft(user.id) : 0,
    } satisfies SecondFactorStatus);
  });

  router.post('/account/totp/setup', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const secret = newTotpSecret();
    const begun = await ctx.secondFactors.beginTotp({
      userId: user.id,
      sealedSecret: ctx.secretBox.seal(secret),
      createdAt: new Date(ctx.now()).toISOString(),
      confirmedAt: null,
      lastUsedStep: null,
    });
    if (!begun) throw new HttpError('SECOND_FACTOR_CONFLICT', 'An authenticator app is set up already. Turn it off first to set up another.');
    // The one answer that ever holds the secret: before confirmation, to this session only.
    res.json({ secret, uri: totpUri(secret, user.username, new URL(ctx.config.origin).hostname) } satisfies TotpSetupResponse);
  });

  router.post('/account/totp/confirm', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(TotpConfirmRequestSchema, req.body);
    const totp = await ctx.secondFactors.getTotp(user.id);
    if (!totp || totp.confirmedAt) throw new HttpError('SECOND_FACTOR_CONFLICT', 'There is no authenticator app set-up to confirm. Start again.');
    const admission = await ctx.secondFactorThrottle.begin(user.id, null);
    if (!admission.ok) throw new HttpError('RATE_LIMITED', 'Too many wrong codes for this account. Try again later.', { retryAfter: admission.ok === false && admission.reason === 'account' ? admission.retryAfter : 60 });
    const secret = ctx.secretBox.open(totp.sealedSecret);
    const step = secret ? matchTotp(secret, body.code, ctx.now()) : null;
    if (step === null || !(await ctx.secondFactors.confirmTotp(user.id, step, new Date(ctx.now()).toISOString()))) {
      req.log.warn({ event: 'mfa.failure', userId: user.id, during: 'totp-confirm' }, 'audit');
      refuseSecondFactor({ ok: false, code: 'INVALID_SECOND_FACTOR' });
    }
    await admission.succeeded();
    const recoveryCodes = await replaceRecoveryCodes(ctx, user.id);
    req.log.info({ event: 'mfa.totp.enabled', userId: user.id }, 'audit');
    res.json({ recoveryCodes } satisfies RecoveryCodesResponse);
    noticeSecondFactor(ctx, user, { kind: 'totp-enabled' });
  });

  router.post('/account/totp/disable', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(SecondFactorProofRequestSchema, req.body);
    const totp = await ctx.secondFactors.getTotp(user.id);
    if (!totp?.confirmedAt) throw new HttpError('SECOND_FACTOR_CONFLICT', 'No authenticator app is set up.');
    // A stolen session alone cannot remove the second factor: it takes a current code.
    const check = await checkSecondFactor(ctx, { userId: user.id, code: body.code, pendingId: null, allowRecovery: true, log: req.log });
    if (!check.ok) refuseSecondFactor(check);
    await ctx.secondFactors.deleteTotp(user.id);
    await ctx.secondFactors.deleteRecoveryCodes(user.id);
    req.log.info({ event: 'mfa.totp.disabled', userId: user.id, with: check.method }, 'audit');
    res.json({ totp: { enabled: false, enabledAt: null }, recoveryCodesLeft: 0 } satisfies SecondFactorStatus);
    noticeSecondFactor(ctx, user, { kind: 'totp-disabled' });
  });

  router.post('/account/recovery-codes', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(SecondFactorProofRequestSchema, req.body);
    const totp = await ctx.secondFactors.getTotp(user.id);
    if (!totp?.confirmedAt) throw new HttpError('SECOND_FACTOR_CONFLICT', 'Recovery codes come with an authenticator app: set one up first.');
    const check = await checkSecondFactor(ctx, { userId: user.id, code: body.code, pendingId: null, allowRecovery: false, log: req.log });
    if (!check.ok) refuseSecondFactor(check);
    const recoveryCodes = await replaceRecoveryCodes(ctx, user.id);
    req.log.info({ event: 'mfa.recovery-codes.regenerated', userId: user.id }, 'audit');
    res.json({ recoveryCodes } satisfies RecoveryCodesResponse);
    noticeSecondFactor(ctx, user, { kind: 'recovery-codes-regenerated' });
  });

  return router;
}

/** Ten new codes replace every old one; only their hashes are kept. */
async function replaceRecoveryCodes(ctx: App1Context, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await ctx.secondFactors.setRecoveryCodes({ userId, hashes: codes.map((c) => hashRecoveryCode(c)!), createdAt: new Date(ctx.now()).toISOString() });
  return codes;
}
