import { Router, type Request, type Response } from 'express';
import { HttpError, failValidation, parseBody } from '@sso/bff-common';
import {
  ChangeEmailRequestSchema,
  ResendVerificationRequestSchema,
  UpdateProfileRequestSchema,
  VerifyEmailRequestSchema,
  type EmailStatus,
  type ResendVerificationResponse,
  type UpdateProfileResponse,
  type VerifyEmailResponse,
} from '@sso/types';
import type { App1Context } from '../context';
import { isEmailVerified, requestEmailChange, sendVerification } from '../recovery/email-links';
import { purposeOf } from '../recovery/one-time-tokens';
import { issueSessionCookies } from '../sessions/issue';
import { getAccount, requireAccount } from '../sessions/lifecycle';
import { toAccount } from '../users/account';
import { checkPassword } from '../users/password-check';
import type { UserRecord } from '../users/user-store';

const LINK_ERRORS = {
  invalid: () => new HttpError('LINK_INVALID', 'This link is not valid: it was mistyped, a newer link was sent, or the address changed since. Ask for a new link.'),
  expired: () => new HttpError('LINK_EXPIRED', 'This link has expired. Ask for a new link.'),
  used: () => new HttpError('LINK_USED', 'This link was already used.'),
} as const;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Email verification, the "check your inbox" resend, name and email changes
 * (ADR 030): POST /api/email/verify, POST /api/email/verification,
 * GET and POST /api/account/email, POST /api/account/profile.
 */
export function emailRoutes(ctx: App1Context): Router {
  const router = Router();
  const passwordHashOf = async (userId: string) => (await ctx.users.findById(userId))?.passwordHash ?? null;

  /** The account a resend is for: this browser's session, or its "check your inbox" step (password proven, no session). */
  async function verifyingUser(req: Request): Promise<UserRecord | null> {
    const account = await getAccount(ctx, req);
    if (account) return account.user;
    const pending = await ctx.pendingVerifications.read(req.headers.cookie, passwordHashOf);
    const user = pending ? await ctx.users.findById(pending.userId) : null;
    return user && user.disabledAt === null ? user : null;
  }

  /** When this browser is signed in to `user`, its domain token is re-signed at once with the new claims (other browsers get them at their next refresh). */
  async function reissueIfSignedIn(req: Request, res: Response, user: UserRecord): Promise<void> {
    const account = await getAccount(ctx, req);
    if (account && account.user.id === user.id) await issueSessionCookies(ctx, res, user, account.session, null);
  }

  async function throttled(req: Request, userId: string): Promise<void> {
    const wait = await ctx.emailThrottle.retryAfter(req.ip, userId);
    if (wait > 0) {
      req.log.warn({ event: 'email.mail.throttled', userId, retryAfter: wait }, 'audit');
      throw new HttpError('RATE_LIMITED', 'Too many mails asked for. Try again later.', { retryAfter: wait });
    }
  }

  router.post('/email/verify', async (req, res) => {
    const body = parseBody(VerifyEmailRequestSchema, req.body);
    const purpose = purposeOf(body.token);
    if (purpose !== 'email-verify' && purpose !== 'email-change') throw LINK_ERRORS.invalid();
    const redeemed = await ctx.oneTimeTokens.consume(body.token, purpose);
    if (!redeemed.ok) {
      req.log.info({ event: 'email.verify.refused', purpose, reason: redeemed.code }, 'audit');
      throw LINK_ERRORS[redeemed.code]();
    }
    const { userId, email } = redeemed.record;
    const user = await ctx.users.findById(userId);
    if (!user || user.disabledAt !== null || !email) throw LINK_ERRORS.invalid();
    let updated: UserRecord | null;
    if (purpose === 'email-verify') {
      // Only while the address is still the account's: a link for an earlier address verifies nothing.
      updated = await ctx.users.markEmailVerified(user.id, email);
    } else {
      updated = await ctx.users.changeEmail(user.id, email);
      // Links mailed to the old address stop working: it no longer speaks for the account.
      await ctx.oneTimeTokens.voidForUser(user.id, 'email-verify');
      await ctx.oneTimeTokens.voidForUser(user.id, 'password-reset');
    }
    if (!updated) throw LINK_ERRORS.invalid();
    await reissueIfSignedIn(req, res, updated);
    req.log.info({ event: purpose === 'email-verify' ? 'email.verified' : 'email.changed', userId: user.id }, 'audit');
    res.json({ email: updated.email!, emailVerified: true, changed: purpose === 'email-change' } satisfies VerifyEmailResponse);
  });

  router.post('/email/verification', async (req, res) => {
    const body = parseBody(ResendVerificationRequestSchema, req.body ?? {});
    const user = await verifyingUser(req);
    if (!user) throw new HttpError('UNAUTHENTICATED', 'Sign in again to get a new link.');
    const to = body.email ?? user.email;
    if (to === null) failValidation({ email: ['Enter the email address to confirm.'] });
    const sameAddress = user.email !== null && same(to, user.email);
    if (sameAddress && isEmailVerified(user)) throw new HttpError('EMAIL_ALREADY_VERIFIED', 'This address is confirmed already.');
    await throttled(req, user.id);
    // A new address here (none yet, or a mistyped one at sign-up) goes through the change link: it is set only once confirmed.
    if (sameAddress) await sendVerification(ctx, { ...user, email: user.email! });
    else await requestEmailChange(ctx, user, to, false);
    req.log.info({ event: 'email.verification.sent', userId: user.id, newAddress: !sameAddress }, 'audit');
    res.status(202).json({ sentTo: to } satisfies ResendVerificationResponse);
  });

  async function statusOf(user: UserRecord): Promise<EmailStatus> {
    const pending = await ctx.oneTimeTokens.findLive(user.id, 'email-change');
    return {
      email: user.email,
      emailVerified: isEmailVerified(user),
      pending: pending?.email ? { email: pending.email, expiresAt: new Date(pending.expiresAt).toISOString() } : null,
    };
  }

  router.get('/account/email', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    res.json((await statusOf(user)) satisfies EmailStatus);
  });

  router.post('/account/email', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(ChangeEmailRequestSchema, req.body);
    // Under the sign-in limits, as the password change: a stolen session must not move the account's recovery address.
    const checked = await checkPassword(ctx, { username: user.username, password: body.currentPassword, address: req.ip, cookieHeader: req.headers.cookie, countSuccess: false });
    if (!checked.ok) {
      if (checked.code === 'RATE_LIMITED') throw new HttpError('RATE_LIMITED', 'Too many attempts. Try again later.', { retryAfter: checked.retryAfter });
      throw new HttpError('INVALID_CREDENTIALS', 'The current password is wrong.', { errors: { currentPassword: ['The current password is wrong.'] } });
    }
    if (user.email !== null && same(body.email, user.email)) failValidation({ email: ['That is the address the account has now.'] });
    await throttled(req, user.id);
    await requestEmailChange(ctx, user, body.email, true);
    req.log.info({ event: 'email.change.requested', userId: user.id }, 'audit');
    res.status(202).json((await statusOf(user)) satisfies EmailStatus);
  });

  router.post('/account/profile', async (req, res) => {
    const { user } = await requireAccount(ctx, req);
    const body = parseBody(UpdateProfileRequestSchema, req.body);
    const updated = await ctx.users.setName(user.id, body.name);
    if (!updated) throw new HttpError('UNAUTHENTICATED');
    await reissueIfSignedIn(req, res, updated);
    req.log.info({ event: 'profile.name', userId: user.id }, 'audit');
    res.json({ user: toAccount(updated) } satisfies UpdateProfileResponse);
  });

  return router;
}
