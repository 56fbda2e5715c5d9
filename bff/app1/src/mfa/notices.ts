import type { App1Context } from '../context';
import { secondFactorNoticeMail, type SecondFactorNotice } from '../mail/templates';
import type { UserRecord } from '../users/user-store';

/**
 * Mails the account's address about a change to its second factor, when it
 * has one. Called once the answer is decided, and it never throws: the
 * mailer only queues (delivery, retries and failures happen in the
 * background, ADR 020), so a notice can neither delay nor change an answer.
 */
export function noticeSecondFactor(ctx: App1Context, user: Pick<UserRecord, 'id' | 'email' | 'name' | 'username'>, notice: SecondFactorNotice): void {
  if (!user.email) return;
  try {
    ctx.mailer.send(secondFactorNoticeMail(ctx.config.origin, { email: user.email, name: user.name, username: user.username }, notice, new Date(ctx.now())), `mfa.${notice.kind}`);
  } catch (err) {
    ctx.logger.error({ event: 'mail.failed', kind: `mfa.${notice.kind}`, userId: user.id, err: String(err) }, 'notice mail not queued');
  }
}
