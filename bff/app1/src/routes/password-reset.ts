import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import {
  ForgotPasswordRequestSchema,
  ResetPasswordRequestSchema,
  normalizeUsername,
  type ForgotPasswordResponse,
  type ResetPasswordResponse,
} from '@sso/types';
import type { App1Context } from '../context';
import { passwordResetMail } from '../mail/templates';
import { notifyPasswordChanged } from '../recovery/password-changed';
import { endAllSessions } from '../sessions/lifecycle';
import { commonPasswordIn } from '../users/password-policy';
import { bcryptCost, type UserRecord } from '../users/user-store';

/** Accounts one address can name at most (addresses are not unique). */
const MAX_ACCOUNTS_PER_ADDRESS = 5;

const LINK_ERRORS = {
  invalid: () => new HttpError('LINK_INVALID', 'This reset link is not valid: it was mistyped, a newer link was sent, or the password was changed since. Ask for a new link.'),
  expired: () => new HttpError('LINK_EXPIRED', 'This reset link has expired. Ask for a new link.'),
  used: () => new HttpError('LINK_USED', 'This reset link was already used. Ask for a new link if you need one.'),
} as const;

/** The reset page's address with the token in the fragment: never sent to a server, so never in a log or a Referer. */
export function resetLink(origin: string, token: string): string {
  const url = new URL('/reset-password', origin);
  url.hash = `token=${token}`;
  return url.href;
}

/** POST /api/password/forgot and /api/password/reset (ADR 020). */
export function passwordResetRoutes(ctx: App1Context): Router {
  const router = Router();
  const ttlMinutes = Math.round(ctx.config.resetTokenTtlSeconds / 60);

  async function accountsFor(login: string): Promise<UserRecord[]> {
    if (login.includes('@')) return (await ctx.users.findByEmail(login)).slice(0, MAX_ACCOUNTS_PER_ADDRESS);
    const user = await ctx.users.findByUsername(normalizeUsername(login));
    return user ? [user] : [];
  }

  /** Runs after the answer went out: whether an account matched costs the answer nothing. */
  async function mailResetLinks(login: string, requestId: unknown): Promise<void> {
    for (const user of await accountsFor(login)) {
      if (user.disabledAt !== null || user.email === null) continue;
      if (!(await ctx.recoveryThrottle.mayMail(user.id))) {
        ctx.logger.warn({ event: 'password.forgot.throttled', userId: user.id, reqId: requestId }, 'audit');
        continue;
      }
      // Issuing voids the account's earlier link.
      const token = await ctx.oneTimeTokens.issue(user.id, 'password-reset');
      ctx.mailer.send(passwordResetMail(ctx.config.origin, { email: user.email, name: user.name, username: user.username }, resetLink(ctx.config.origin, token), ttlMinutes), 'password-reset');
      ctx.logger.info({ event: 'password.forgot', userId: user.id, reqId: requestId }, 'audit');
    }
  }

  router.post('/password/forgot', async (req, res) => {
    const body = parseBody(ForgotPasswordRequestSchema, req.body);
    // Per address only, before anything about the account is known: a 429 says nothing about accounts.
    const wait = await ctx.recoveryThrottle.requestRetryAfter(req.ip);
    if (wait > 0) {
      req.log.warn({ event: 'password.forgot.refused', retryAfter: wait }, 'audit');
      throw new HttpError('RATE_LIMITED', 'Too many password reset requests from your network. Try again later.', { retryAfter: wait });
    }
    res.status(202).json({ accepted: true } satisfies ForgotPasswordResponse);
    ctx.background.run('password.forgot', () => mailResetLinks(body.login, req.id));
  });

  router.post('/password/reset', async (req, res) => {
    // The password is checked before the token is spent: a rejected password keeps the link working.
    const body = parseBody(ResetPasswordRequestSchema, req.body, commonPasswordIn('password'));
    const redeemed = await ctx.oneTimeTokens.consume(body.token, 'password-reset');
    if (!redeemed.ok) {
      req.log.info({ event: 'password.reset.refused', reason: redeemed.code }, 'audit');
      throw LINK_ERRORS[redeemed.code]();
    }
    const user = await ctx.users.findById(redeemed.record.userId);
    if (!user || user.disabledAt !== null) throw LINK_ERRORS.invalid();
    await ctx.users.updatePassword(user.id, await ctx.hasher.hash(body.password));
    ctx.hasher.noteStored(bcryptCost(user.passwordHash), ctx.hasher.cost);
    // Every session ends: whoever knew the old password is signed out everywhere (within the feed's bound at relying apps).
    const revoked = await endAllSessions(ctx, user.id, 'password-change');
    await notifyPasswordChanged(ctx, user);
    req.log.info({ event: 'password.reset', userId: user.id, revoked: revoked.length }, 'audit');
    res.json({ username: user.username, revokedSessions: revoked.length } satisfies ResetPasswordResponse);
  });

  return router;
}
