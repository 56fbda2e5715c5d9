import type { Request } from 'express';
import Bowser from 'bowser';
import ipaddr from 'ipaddr.js';
import type { DeviceSession } from '@sso/types';
import type { App1Context } from '../context';
import type { Account } from './lifecycle';
import type { SessionDevice, SessionRecord } from './session-store';

/**
 * "Your devices": where each session of a person was started, listed on the
 * account page, and ending one (or all but this one). Ending goes through
 * the session store's revoke, so it lands in the revocation feed and relying
 * apps refuse the ended session's tokens within one poll.
 */

/** Longer User-Agents are cut: the header is the client's to fill, the store is ours. */
export const MAX_USER_AGENT_LENGTH = 512;

/** What a new session records of the request that signed in. */
export function sessionDevice(req: Request | undefined): SessionDevice {
  const ua = req?.headers['user-agent'];
  return {
    userAgent: typeof ua === 'string' && ua.trim() !== '' ? ua.slice(0, MAX_USER_AGENT_LENGTH) : null,
    address: displayAddress(req?.ip),
  };
}

/** The address as people write it: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as plain IPv4. */
function displayAddress(ip: string | undefined): string | null {
  if (!ip) return null;
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : null;
}

/** Browser and OS as one reads them ("Chrome 156", "macOS 15"), by bowser; null where it cannot tell. */
export function describeUserAgent(userAgent: string | null): { browser: string | null; os: string | null } {
  if (!userAgent) return { browser: null, os: null };
  const parsed = Bowser.parse(userAgent);
  const major = parsed.browser.version?.split('.')[0];
  const browser = parsed.browser.name ? [parsed.browser.name, major].filter(Boolean).join(' ') : null;
  const osVersion = parsed.os.versionName ?? parsed.os.version?.split('.').slice(0, 2).join('.');
  const os = parsed.os.name ? [parsed.os.name, osVersion].filter(Boolean).join(' ') : null;
  return { browser, os };
}

function toDeviceSession(s: SessionRecord, currentId: string): DeviceSession {
  return {
    id: s.id,
    ...describeUserAgent(s.userAgent),
    address: s.address,
    createdAt: new Date(s.createdAt).toISOString(),
    lastActiveAt: new Date(s.lastActiveAt).toISOString(),
    current: s.id === currentId,
  };
}

async function liveSessions(ctx: App1Context, userId: string): Promise<SessionRecord[]> {
  const now = ctx.now();
  return (await ctx.sessionStore.listActiveForUser(userId, now)).filter((s) => ctx.sessions.isLive(s, now));
}

/** The account's live sessions: this one first, then the most recently active. */
export async function listDevices(ctx: App1Context, account: Account): Promise<DeviceSession[]> {
  const sessions = await liveSessions(ctx, account.user.id);
  const current = account.session.id;
  sessions.sort((a, b) => Number(b.id === current) - Number(a.id === current) || b.lastActiveAt - a.lastActiveAt || a.id.localeCompare(b.id));
  return sessions.map((s) => toDeviceSession(s, current));
}

export type EndDeviceOutcome = { ok: true; ended: number } | { ok: false; code: 'NOT_FOUND' | 'CURRENT_SESSION' };

/**
 * Ends one other live session of this account. A session of another account,
 * an ended one and an unknown id get the same NOT_FOUND: no one learns
 * whether someone else's session id exists.
 */
export async function endDevice(ctx: App1Context, account: Account, id: string): Promise<EndDeviceOutcome> {
  if (id === account.session.id) return { ok: false, code: 'CURRENT_SESSION' };
  const target = await ctx.sessionStore.get(id);
  if (!target || target.userId !== account.user.id || !ctx.sessions.isLive(target, ctx.now())) return { ok: false, code: 'NOT_FOUND' };
  const revoked = await ctx.sessions.revoke([id], 'ended-from-another-device', ctx.now());
  return { ok: true, ended: revoked.length };
}

/** Ends every session of this account but the asking one (tokens that may still live included). */
export async function endOtherDevices(ctx: App1Context, account: Account): Promise<number> {
  const now = ctx.now();
  const others = (await ctx.sessionStore.listActiveForUser(account.user.id, now - ctx.sessions.clockToleranceMs)).filter((s) => s.id !== account.session.id);
  return (await ctx.sessions.revoke(others.map((s) => s.id), 'ended-from-another-device', now)).length;
}
