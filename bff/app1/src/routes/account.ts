import { Router } from 'express';
import { HttpError, failValidation, parseBody } from '@sso/bff-common';
import { ChangePasswordRequestSchema, type ChangePasswordResponse } from '@sso/types';
import type { App1Context } from '../context';
import { endAllSessions, issueSession, requireAccount } from '../sessions/lifecycle';
import { notifyPasswordChanged } from '../recovery/password-changed';
import { toAccount } from '../users/account';
import { requireRecentAuth } from '../mfa/step-up';
import { checkPassword } from '../users/password-check';
import { bcryptCost } from '../users/user-store';
import { SAME_PASSWORD_MESSAGE, commonPasswordIn } from '../users/password-policy';

/** POST /api/account/password: change the password and sign out every other session. */
export function accountRoutes(ctx: App1Context): Router {
  const router = Router();

  router.post('/account/password', async (req, res) => {
    const account = await requireAccount(ctx, req);
    const { user, session } = account;
    const body = parseBody(ChangePasswordRequestSchema, req.body, commonPasswordIn('newPassword'));
    // With a second factor enrolled the password alone is not the account's
    // full strength: the session must have proved the second factor recently.
    await requireRecentAuth(ctx, account, { passwordInRequest: true });
    // Under the sign-in limits: a stolen session must not become a password oracle.
    const checked = await checkPassword(ctx, { username: user.username, password: body.currentPassword, address: req.ip, cookieHeader: req.headers.cookie, countSuccess: false });
    if (!checked.ok) {
      if (checked.code === 'RATE_LIMITED') throw new HttpError('RATE_LIMITED', 'Too many attempts. Try again later.', { retryAfter: checked.retryAfter });
      throw new HttpError('INVALID_CREDENTIALS', 'The current password is wrong.', { errors: { currentPassword: ['The current password is wrong.'] } });
    }
    // Only now, with the current password proven, does "same as current" mean anything.
    if (body.newPassword === body.currentPassword) failValidation({ newPassword: [SAME_PASSWORD_MESSAGE] });
    await ctx.users.updatePassword(user.id, await ctx.hasher.hash(body.newPassword));
    ctx.hasher.noteStored(bcryptCost(user.passwordHash), ctx.hasher.cost);
    // Every session, this one included, ends; this browser gets a fresh one.
    const revoked = await endAllSessions(ctx, user.id, 'password-change');
    await notifyPasswordChanged(ctx, user);
    const fresh = await issueSession(ctx, res, user);
    req.log.info({ event: 'password.change', userId: user.id, sid: fresh.session.id, revoked: revoked.length, previousSid: session.id }, 'audit');
    res.json({ user: toAccount(user), revokedSessions: revoked.filter((id) => id !== session.id).length } satisfies ChangePasswordResponse);
  });

  return router;
}

/** Disables an account and revokes all its sessions everywhere (operator action). */
export async function disableUser(ctx: App1Context, userId: string): Promise<string[]> {
  await ctx.users.setDisabled(userId, new Date(ctx.now()).toISOString());
  const revoked = await endAllSessions(ctx, userId, 'user-disabled');
  ctx.logger.info({ event: 'user.disabled', by: 'operator', userId, revoked: revoked.length }, 'audit');
  return revoked;
}
