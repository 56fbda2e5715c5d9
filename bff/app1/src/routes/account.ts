import { Router, type Request } from 'express';
import { HttpError, failValidation, parseBody, sessionHttpError } from '@sso/bff-common';
import { ChangePasswordRequestSchema, type ChangePasswordResponse } from '@sso/types';
import type { App1Context } from '../context';
import { issueSessionCookies } from '../sessions/issue';
import { toAccount } from '../users/account';
import { checkPassword } from '../users/password-check';
import { bcryptCost } from '../users/user-store';
import { SAME_PASSWORD_MESSAGE, newPasswordProblems } from '../users/password-policy';

/** The signed-in user and their live server session, or a 401. */
export async function requireAccount(ctx: App1Context, req: Request) {
  const result = await ctx.reader.verifyRequest({ cookieHeader: req.headers.cookie });
  if (!result.ok) throw sessionHttpError(result.code, `${ctx.config.origin}/login`);
  const session = await ctx.sessionStore.get(result.claims.sid);
  const user = session ? await ctx.users.findById(session.userId) : null;
  if (!session || !user || !ctx.sessions.isLive(session, ctx.now()) || user.disabledAt !== null) {
    throw new HttpError('UNAUTHENTICATED');
  }
  return { claims: result.claims, session, user };
}

/** POST /api/account/password: change the password and sign out every other session. */
export function accountRoutes(ctx: App1Context): Router {
  const router = Router();

  router.post('/account/password', async (req, res) => {
    const { user, session } = await requireAccount(ctx, req);
    const body = parseBody(ChangePasswordRequestSchema, req.body);
    const problems = newPasswordProblems(body.newPassword);
    if (problems.length > 0) failValidation({ newPassword: problems });
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
    const revoked = await ctx.sessions.revokeAllForUser(user.id, 'password-change', ctx.now());
    const fresh = await ctx.sessions.start(user.id, ctx.now());
    await issueSessionCookies(ctx, res, user, fresh.session, fresh.refreshToken);
    req.log.info({ event: 'password.change', userId: user.id, sid: fresh.session.id, revoked: revoked.length, previousSid: session.id }, 'audit');
    res.json({ user: toAccount(user), revokedSessions: revoked.filter((id) => id !== session.id).length } satisfies ChangePasswordResponse);
  });

  return router;
}

/** Disables an account and revokes all its sessions everywhere (operator action). */
export async function disableUser(ctx: App1Context, userId: string): Promise<string[]> {
  await ctx.users.setDisabled(userId, new Date(ctx.now()).toISOString());
  const revoked = await ctx.sessions.revokeAllForUser(userId, 'user-disabled', ctx.now());
  ctx.logger.info({ event: 'user.disabled', userId, revoked: revoked.length }, 'audit');
  return revoked;
}
