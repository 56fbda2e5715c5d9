import type { App1Context } from '../context';
import { confirmEmailChangeMail, emailChangeNoticeMail, verifyEmailMail } from '../mail/templates';
import type { UserRecord } from '../users/user-store';

/** The verify page's address with the token in the fragment: never sent to a server, so never in a log or a Referer (as the reset link, ADR 020). */
export function verifyLink(origin: string, token: string): string {
  const url = new URL('/verify-email', origin);
  url.hash = `token=${token}`;
  return url.href;
}

/** True when the account's address is confirmed (an account without one never is). */
export function isEmailVerified(user: UserRecord): boolean {
  return user.email !== null && user.emailVerified;
}

/** With SSO_REQUIRE_VERIFIED_EMAIL, an account that may get no domain token yet (ADR 030). */
export function mustVerifyEmail(ctx: App1Context, user: UserRecord): boolean {
  return ctx.config.requireVerifiedEmail && !isEmailVerified(user);
}

const hours = (ctx: App1Context) => Math.max(1, Math.round(ctx.config.emailTokenTtlSeconds / 3600));
const recipient = (user: UserRecord) => ({ email: user.email ?? '', name: user.name, username: user.username });

/** Issues a verification link for the account's current address (voiding the older one) and queues its mail. */
export async function sendVerification(ctx: App1Context, user: UserRecord & { email: string }): Promise<void> {
  const token = await ctx.oneTimeTokens.issue(user.id, 'email-verify', user.email);
  ctx.mailer.send(verifyEmailMail(ctx.config.origin, recipient(user), verifyLink(ctx.config.origin, token), hours(ctx)), 'email-verify');
}

/**
 * Issues a confirmation link for a new address (voiding an older pending
 * change) and mails it there; the address changes only when it is used. With
 * `noticeToOld`, the current address is told (a taken-over session cannot
 * move the account away silently).
 */
export async function requestEmailChange(ctx: App1Context, user: UserRecord, newEmail: string, noticeToOld: boolean): Promise<void> {
  const token = await ctx.oneTimeTokens.issue(user.id, 'email-change', newEmail);
  ctx.mailer.send(confirmEmailChangeMail(ctx.config.origin, recipient(user), newEmail, verifyLink(ctx.config.origin, token), hours(ctx)), 'email-change');
  if (noticeToOld && user.email !== null) {
    ctx.mailer.send(emailChangeNoticeMail(ctx.config.origin, { ...recipient(user), email: user.email }, newEmail, new Date(ctx.now())), 'email-change-notice');
  }
}
