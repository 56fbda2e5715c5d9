import { createHash, randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { HttpError, parseBody } from '@sso/bff-common';
import { createCookieController } from '@sso/session';
import {
  PasskeyLoginRequestSchema,
  PasskeyRegisterRequestSchema,
  PasskeyRemoveRequestSchema,
  PasskeyRenameRequestSchema,
  type LoginResponse,
  type Passkey,
  type PasskeyList,
  type PasskeyOptionsResponse,
  type PasskeyResponse,
} from '@sso/types';
import type { App1Context } from '../context';
import { noticeSecondFactor } from '../mfa/notices';
import { requireRecentAuth } from '../mfa/step-up';
import { enrolledSecondFactors } from '../mfa/verify-second-factor';
import type { PasskeyRecord } from '../passkeys/passkey-store';
import {
  passkeyAssertionOptions,
  passkeyLogId,
  passkeyRegistrationOptions,
  verifyPasskeyAssertion,
  verifyPasskeyRegistration,
  type PasskeyRefusal,
  type PasskeyRegistrationResult,
} from '../passkeys/passkeys';
import { issueSession, requireAccount } from '../sessions/lifecycle';
import { logRefusedOrigin, returnToOrigins, safeRedirect } from '../sessions/return-to';
import { toAccount } from '../users/account';

/**
 * Host-only, SameSite=Strict, a few minutes: names the browser that asked
 * for sign-in options, so the challenge it got is answerable from this
 * browser only (its SHA-256 is the challenge's binding).
 */
export const PASSKEY_SIGN_IN_COOKIE_NAME = '__Host-sso-passkey';

const toPasskey = (p: PasskeyRecord): Passkey => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, synced: p.deviceType === 'multiDevice' });

/** The HTTP answer to a refused passkey ceremony (also step-up's, routes/step-up.ts). */
export function refusePasskey(refusal: PasskeyRefusal | Extract<PasskeyRegistrationResult, { code: 'SECOND_FACTOR_CONFLICT' }>, maxPerUser: number): never {
  switch (refusal.code) {
    case 'PASSKEY_CHALLENGE_INVALID':
      throw new HttpError('PASSKEY_CHALLENGE_INVALID', 'This passkey request has expired or was used already. Try again.');
    case 'PASSKEY_REFUSED':
      throw new HttpError('PASSKEY_REFUSED', 'That passkey was not accepted here. Use another passkey or sign in with your password.');
    case 'SECOND_FACTOR_CONFLICT':
      throw new HttpError(
        'SECOND_FACTOR_CONFLICT',
        refusal.reason === 'exists' ? 'That passkey is registered already.' : `An account may have ${maxPerUser} passkeys. Remove one to add another.`,
      );
    default: {
      const unreachable: never = refusal;
      return unreachable;
    }
  }
}

/**
 * Passkeys (ADR 033). Account: GET /api/account/passkeys, POST
 * /api/account/passkeys/options, /api/account/passkeys (register),
 * /rename, /remove. Sign-in with no username: POST /api/login/passkey/options,
 * /api/login/passkey. Second factor after a password: POST
 * /api/login/second-factor/passkey/options, /api/login/second-factor/passkey.
 */
export function passkeyRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const allowedReturn = returnToOrigins(ctx.config);
  const redirectFor = (req: Request, returnTo: string | undefined) => safeRedirect(returnTo, allowedReturn, home, logRefusedOrigin(req));
  const { maxPerUser, challengeTtlSeconds } = ctx.config.passkeys;
  const signInCookie = createCookieController({ name: PASSKEY_SIGN_IN_COOKIE_NAME, sameSite: 'strict' });
  const bindingOf = (value: string) => createHash('sha256').update(`passkey-sign-in\0${value}`).digest('base64url');
  const passwordHashOf = async (userId: string) => {
    const user = await ctx.users.findById(userId);
    return user && user.disabledAt === null ? user.passwordHash : null;
  };

  router.get('/account/passkeys', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    res.json({ passkeys: (await ctx.passkeys.listForUser(user.id)).map(toPasskey) } satisfies PasskeyList);
  });

  router.post('/account/passkeys/options', async (req, res) => {
    const { user, session } = await requireAccount(ctx, req);
    // Bound to this session: only it can answer, once.
    res.json({ options: { ...(await passkeyRegistrationOptions(ctx, user, session.id)) } } satisfies PasskeyOptionsResponse);
  });

  router.post('/account/passkeys', async (req, res) => {
    const { user, session } = await requireAccount(ctx, req);
    const body = parseBody(PasskeyRegisterRequestSchema, req.body);
    const result = await verifyPasskeyRegistration(ctx, { user, binding: session.id, name: body.name, credential: body.credential as RegistrationResponseJSON, log: req.log });
    if (!result.ok) refusePasskey(result, maxPerUser);
    // Queued, never awaited: the mail cannot delay or change the answer.
    noticeSecondFactor(ctx, user, { kind: 'passkey-added', name: result.passkey.name, synced: result.passkey.deviceType === 'multiDevice' });
    res.status(201).json({ passkey: toPasskey(result.passkey) } satisfies PasskeyResponse);
  });

  router.post('/account/passkeys/rename', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(PasskeyRenameRequestSchema, req.body);
    const renamed = await ctx.passkeys.rename(user.id, body.id, body.name);
    // Another account's passkey looks the same as an unknown id.
    if (!renamed) throw new HttpError('NOT_FOUND', 'There is no such passkey on this account.');
    req.log.info({ event: 'passkey.renamed', userId: user.id, passkey: passkeyLogId(renamed.id) }, 'audit');
    res.json({ passkey: toPasskey(renamed) } satisfies PasskeyResponse);
  });

  router.post('/account/passkeys/remove', async (req, res) => {
    const account = await requireAccount(ctx, req);
    const { user } = account;
    const body = parseBody(PasskeyRemoveRequestSchema, req.body);
    // A sensitive action carrying no proof of its own (ADR 032): the session must have authenticated recently.
    await requireRecentAuth(ctx, account);
    const removing = (await ctx.passkeys.listForUser(user.id)).find((p) => p.id === body.id);
    if (!removing || !(await ctx.passkeys.remove(user.id, body.id))) throw new HttpError('NOT_FOUND', 'There is no such passkey on this account.');
    req.log.info({ event: 'passkey.removed', userId: user.id, passkey: passkeyLogId(body.id) }, 'audit');
    noticeSecondFactor(ctx, user, { kind: 'passkey-removed', name: removing.name });
    res.json({ passkeys: (await ctx.passkeys.listForUser(user.id)).map(toPasskey) } satisfies PasskeyList);
  });

  router.post('/login/passkey/options', async (req, res) => {
    const wait = await ctx.throttle.passkeyOptionsRetryAfter(req.ip);
    if (wait > 0) throw new HttpError('RATE_LIMITED', 'Too many passkey sign-ins from your network. Try again in a minute.', { retryAfter: wait });
    const nonce = randomBytes(32).toString('base64url');
    const options = await passkeyAssertionOptions(ctx, { purpose: 'sign-in', binding: bindingOf(nonce), userId: null });
    res.append('Set-Cookie', signInCookie.serialize(nonce, challengeTtlSeconds));
    res.json({ options: { ...options } } satisfies PasskeyOptionsResponse);
  });

  router.post('/login/passkey', async (req, res) => {
    const body = parseBody(PasskeyLoginRequestSchema, req.body);
    const nonce = signInCookie.read(req.headers.cookie);
    // One answer per options request, whatever happens next.
    res.append('Set-Cookie', signInCookie.serializeClear());
    if (nonce.status !== 'present') refusePasskey({ ok: false, code: 'PASSKEY_CHALLENGE_INVALID', reason: 'no-challenge' }, maxPerUser);
    const admission = await ctx.throttle.beginPasskey(req.ip);
    if (!admission.ok) {
      req.log.warn({ event: 'login.throttled', reason: admission.reason, retryAfter: admission.retryAfter, method: 'passkey' }, 'audit');
      throw new HttpError('RATE_LIMITED', 'Too many sign-in attempts. Try again later.', { retryAfter: admission.retryAfter });
    }
    const result = await verifyPasskeyAssertion(ctx, { purpose: 'sign-in', binding: bindingOf(nonce.value), userId: null, credential: body.credential as AuthenticationResponseJSON, log: req.log });
    const user = result.ok ? await ctx.users.findById(result.userId) : null;
    if (!result.ok || !user || user.disabledAt !== null) {
      await admission.failed();
      req.log.info({ event: 'login.failure', method: 'passkey' }, 'audit');
      refusePasskey(result.ok ? { ok: false, code: 'PASSKEY_REFUSED', reason: 'account disabled' } : result, maxPerUser);
    }
    const admitted = await admission.succeeded(user.username);
    if (!admitted.ok) throw new HttpError('RATE_LIMITED', 'This account signed in too often in a short time. Try again later.', { retryAfter: admitted.retryAfter });
    // A verified passkey is two factors at once: something held, and the PIN or biometrics that unlocked it (RFC 8176).
    const { session } = await issueSession(ctx, res, user, [result.amr, 'mfa']);
    req.log.info({ event: 'login.success', userId: user.id, sid: session.id, method: 'passkey' }, 'audit');
    res.json({ user: toAccount(user), redirectTo: redirectFor(req, body.returnTo) } satisfies LoginResponse);
  });

  router.post('/login/second-factor/passkey/options', async (req, res) => {
    const pending = await ctx.pendingSignIns.read(req.headers.cookie, passwordHashOf);
    if (!pending) {
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'Your sign-in took too long, or it was finished already. Sign in again.');
    }
    if (!(await enrolledSecondFactors(ctx, pending.userId)).includes('passkey')) throw new HttpError('SECOND_FACTOR_CONFLICT', 'This account has no passkey. Use a code.');
    res.json({ options: { ...(await passkeyAssertionOptions(ctx, { purpose: 'second-factor', binding: pending.id, userId: pending.userId })) } } satisfies PasskeyOptionsResponse);
  });

  router.post('/login/second-factor/passkey', async (req, res) => {
    const body = parseBody(PasskeyLoginRequestSchema, req.body);
    const pending = await ctx.pendingSignIns.read(req.headers.cookie, passwordHashOf);
    if (!pending) {
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'Your sign-in took too long, or it was finished already. Sign in again.');
    }
    // Counted like a code: per pending sign-in and per account, before the answer is checked.
    const admission = await ctx.secondFactorThrottle.begin(pending.userId, pending.id);
    if (!admission.ok) {
      req.log.warn({ event: 'mfa.throttled', userId: pending.userId, reason: admission.reason, method: 'passkey' }, 'audit');
      if (admission.reason === 'account') throw new HttpError('RATE_LIMITED', 'Too many failed second factors for this account. Try again later.', { retryAfter: admission.retryAfter });
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'Too many failed attempts for this sign-in. Sign in again.');
    }
    const result = await verifyPasskeyAssertion(ctx, { purpose: 'second-factor', binding: pending.id, userId: pending.userId, credential: body.credential as AuthenticationResponseJSON, log: req.log });
    if (!result.ok) {
      req.log.warn({ event: 'mfa.failure', userId: pending.userId, method: 'passkey' }, 'audit');
      refusePasskey(result, maxPerUser);
    }
    await admission.succeeded();
    const user = await ctx.users.findById(pending.userId);
    // One session per pending sign-in, even if a passkey and a code race.
    if (!user || user.disabledAt !== null || !(await ctx.secondFactorThrottle.finish(pending.id))) {
      res.append('Set-Cookie', ctx.pendingSignIns.clear());
      throw new HttpError('SECOND_FACTOR_EXPIRED', 'This sign-in was finished already. Sign in again.');
    }
    res.append('Set-Cookie', ctx.pendingSignIns.clear());
    const { session } = await issueSession(ctx, res, user, ['pwd', result.amr, 'mfa']);
    req.log.info({ event: 'login.success', userId: user.id, sid: session.id, secondFactor: 'passkey' }, 'audit');
    res.json({ user: toAccount(user), redirectTo: redirectFor(req, body.returnTo) } satisfies LoginResponse);
  });

  return router;
}
