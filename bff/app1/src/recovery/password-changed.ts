import type { App1Context } from '../context';
import { passwordChangedMail } from '../mail/templates';
import type { UserRecord } from '../users/user-store';

/**
 * After any password change (reset link or account page): every reset link
 * of the account is void, and its address is told (a person whose account
 * was taken over learns of it).
 */
export async function notifyPasswordChanged(ctx: App1Context, user: UserRecord): Promise<void> {
  await ctx.oneTimeTokens.voidForUser(user.id, 'password-reset');
  if (user.email) ctx.mailer.send(passwordChangedMail(ctx.config.origin, { email: user.email, name: user.name, username: user.username }, new Date(ctx.now())), 'password-changed');
}
