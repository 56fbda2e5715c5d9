import type { AccountExport } from '@sso/types';
import type { App1Context } from '../context';
import { accountDeletedMail } from '../mail/templates';
import type { UserRecord } from './user-store';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Deletes an account (its owner from the account page, or an operator):
 * every session whose tokens may live goes into the revocation feed, the
 * deletion joins the feed keyed by (iss, sub) so relying apps delete their
 * local user, and everything app 1 holds about the person is deleted, in one
 * atomic store step (ADR 034). Null when the account is already gone.
 */
export async function deleteAccount(ctx: App1Context, user: UserRecord, by: 'self' | 'operator'): Promise<{ revoked: string[] } | null> {
  const now = ctx.now();
  const result = await ctx.users.deleteAccount(user.id, {
    now,
    reason: 'account-deleted',
    tokenLifetimeMs: ctx.sessions.tokenLifetimeMs,
    retentionMs: ctx.config.deletionFeedRetentionSeconds * 1000,
  });
  if (!result) return null;
  ctx.logger.info({ event: 'user.deleted', userId: user.id, by, revoked: result.revoked.length }, 'audit');
  if (user.email) ctx.mailer.send(accountDeletedMail(ctx.config.origin, { email: user.email, name: user.name, username: user.username }, new Date(now), by), 'account-deleted');
  return result;
}

/**
 * What app 1 holds about a person, for "Download my data": the account, its
 * sessions (where they started) and which second factors it has. No secret:
 * no password hash, TOTP secret, recovery code or refresh token hash.
 */
export async function exportAccount(ctx: App1Context, user: UserRecord): Promise<AccountExport> {
  const now = ctx.now();
  const sessions = (await ctx.sessionStore.listActiveForUser(user.id, now)).filter((s) => ctx.sessions.isLive(s, now));
  const totp = await ctx.secondFactors.getTotp(user.id);
  return {
    exportedAt: iso(now),
    issuer: ctx.config.origin,
    account: {
      id: user.id,
      username: user.username,
      email: user.email,
      name: user.name,
      createdAt: user.createdAt,
      groups: [...user.groups],
      disabledAt: user.disabledAt,
    },
    sessions: sessions.map((s) => ({
      id: s.id,
      createdAt: iso(s.createdAt),
      lastActiveAt: iso(s.lastActiveAt),
      absoluteExpiresAt: iso(s.absoluteExpiresAt),
      userAgent: s.userAgent,
      address: s.address,
      amr: s.amr ?? ['pwd'],
    })),
    secondFactor: {
      totp: totp ? { createdAt: totp.createdAt, confirmedAt: totp.confirmedAt } : null,
      recoveryCodesLeft: await ctx.secondFactors.recoveryCodesLeft(user.id),
    },
  };
}
