import { MAX_GROUPS } from '@sso/types';
import type { App1Context } from '../context';
import { disableUser } from '../routes/account';
import { resetLink } from '../routes/password-reset';
import { describeUserAgent } from '../sessions/devices';
import type { SessionRecord } from '../sessions/session-store';
import { deleteAccount } from '../users/delete-account';
import type { UserRecord } from '../users/user-store';
import type { AdminCommand, AdminOutcome, AdminSession, AdminUser } from './commands';

const iso = (ms: number) => new Date(ms).toISOString();

function toAdminUser(u: UserRecord): AdminUser {
  return { id: u.id, username: u.username, email: u.email, name: u.name, createdAt: u.createdAt, disabledAt: u.disabledAt, groups: [...u.groups] };
}

function toAdminSession(s: SessionRecord): AdminSession {
  return { id: s.id, ...describeUserAgent(s.userAgent), address: s.address, createdAt: iso(s.createdAt), lastActiveAt: iso(s.lastActiveAt), amr: s.amr ?? ['pwd'] };
}

const noSuchUser = (username: string): AdminOutcome => ({ ok: false, code: 'NOT_FOUND', message: `No account is named ${username}.` });

/**
 * Runs one operator verb against app 1's stores, through the same code the
 * routes use: revoking goes into the revocation feed, so disable, delete and
 * revoke reach every relying app within its bound. Runs inside the running
 * app 1 (lowdb: over its admin socket) or in the CLI's own process (the
 * store opened directly: lowdb with no app 1 running, or PostgreSQL).
 */
export async function runAdminCommand(ctx: App1Context, command: AdminCommand): Promise<AdminOutcome> {
  const audit = (event: string, fields: Record<string, unknown>) => ctx.logger.info({ event, by: 'operator', ...fields }, 'audit');
  const live = async (userId: string) => {
    const now = ctx.now();
    return (await ctx.sessionStore.listActiveForUser(userId, now)).filter((s) => ctx.sessions.isLive(s, now));
  };

  if (command.verb === 'users') {
    return { ok: true, result: { verb: 'users', users: (await ctx.users.list()).map(toAdminUser) } };
  }
  if (command.verb === 'session revoke') {
    const session = await ctx.sessionStore.get(command.sid);
    if (!session) return { ok: false, code: 'NOT_FOUND', message: `No session has the id ${command.sid}.` };
    const owner = await ctx.users.findById(session.userId);
    const revoked = await ctx.sessions.revoke([session.id], 'revoked-by-operator', ctx.now());
    if (revoked.length) audit('session.revoked', { userId: session.userId, sid: session.id });
    return { ok: true, result: { verb: 'session revoke', sid: session.id, username: owner?.username ?? null, changed: revoked.length > 0 } };
  }

  const user = await ctx.users.findByUsername(command.username);
  if (!user) return noSuchUser(command.username);
  switch (command.verb) {
    case 'user show': {
      const totp = await ctx.secondFactors.getTotp(user.id);
      return {
        ok: true,
        result: {
          verb: 'user show',
          user: { ...toAdminUser(user), liveSessions: (await live(user.id)).length, totp: totp?.confirmedAt != null, recoveryCodesLeft: await ctx.secondFactors.recoveryCodesLeft(user.id) },
        },
      };
    }
    case 'user sessions':
      return { ok: true, result: { verb: 'user sessions', username: user.username, sessions: (await live(user.id)).sort((a, b) => b.lastActiveAt - a.lastActiveAt).map(toAdminSession) } };
    case 'user disable': {
      // Again on a disabled account: its sessions are ended again (none should be left), the date stays.
      const changed = user.disabledAt === null;
      const revoked = changed ? await disableUser(ctx, user.id) : await ctx.sessions.revokeAllForUser(user.id, 'user-disabled', ctx.now());
      const after = await ctx.users.findById(user.id);
      return { ok: true, result: { verb: 'user disable', username: user.username, changed, disabledAt: after?.disabledAt ?? null, revokedSessions: revoked.length } };
    }
    case 'user enable': {
      const changed = user.disabledAt !== null;
      if (changed) {
        await ctx.users.setDisabled(user.id, null);
        audit('user.enabled', { userId: user.id });
      }
      return { ok: true, result: { verb: 'user enable', username: user.username, changed, disabledAt: null, revokedSessions: 0 } };
    }
    case 'user delete': {
      const deleted = await deleteAccount(ctx, user, 'operator');
      if (!deleted) return noSuchUser(command.username);
      return { ok: true, result: { verb: 'user delete', username: user.username, id: user.id, revokedSessions: deleted.revoked.length } };
    }
    case 'user reset-link': {
      // The reset route refuses a disabled account's link: say so now, not when the person tries it.
      if (user.disabledAt !== null) return { ok: false, code: 'CONFLICT', message: `${user.username} is disabled: a reset link would not work. Enable the account first (user enable ${user.username}).` };
      // Issuing voids the account's earlier link, as "forgot password" does.
      const token = await ctx.oneTimeTokens.issue(user.id, 'password-reset');
      audit('password.reset-link', { userId: user.id });
      return {
        ok: true,
        result: { verb: 'user reset-link', username: user.username, link: resetLink(ctx.config.origin, token), expiresAt: iso(ctx.now() + ctx.oneTimeTokens.ttlSeconds * 1000) },
      };
    }
    case 'group add':
    case 'group remove': {
      const outcome = command.verb === 'group add' ? await ctx.users.addGroup(user.id, command.group, MAX_GROUPS) : await ctx.users.removeGroup(user.id, command.group);
      if (outcome === 'no-user') return noSuchUser(command.username);
      if (outcome === 'full') return { ok: false, code: 'CONFLICT', message: `${user.username} is in ${MAX_GROUPS} groups already, the most a token carries. Remove one first.` };
      const changed = outcome === 'added' || outcome === 'removed';
      if (changed) audit(command.verb === 'group add' ? 'group.added' : 'group.removed', { userId: user.id, group: command.group });
      const after = await ctx.users.findById(user.id);
      return { ok: true, result: { verb: command.verb, username: user.username, group: command.group, changed, groups: after ? [...after.groups] : [] } };
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}
