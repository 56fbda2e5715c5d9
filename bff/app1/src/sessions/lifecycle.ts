import type { Request, Response } from 'express';
import { HttpError, sessionHttpError } from '@sso/bff-common';
import type { SsoClaims } from '@sso/session';
import type { RevocationFeed } from '@sso/types';
import type { App1Context } from '../context';
import type { UserRecord } from '../users/user-store';
import { sessionDevice } from './devices';
import { clearSessionCookies, issueSessionCookies } from './issue';
import type { SessionRecord } from './session-store';

/**
 * App 1's session lifecycle in one place: issue, read, require and end.
 * Routes parse, call one of these, and answer; only this module (with
 * renew.ts and issue.ts beside it) touches the session store, the signer and
 * the cookies. Why a session ended is recorded as the revoke reason.
 */

/** Why sessions are ended, as stored (session-service.ts turns them into the reason a person is told). */
export type EndReason = 'logout' | 'logout-everywhere' | 'password-change' | 'user-disabled' | 'ended-from-another-device' | 'revoked-by-operator' | 'account-deleted';

/**
 * Starts a session for `user` and sets both session cookies and the device
 * cookie (this browser now knows the password: login-throttle.ts).
 */
export async function issueSession(
  ctx: App1Context,
  res: Response,
  user: UserRecord,
  amr: readonly string[] = ['pwd'],
): Promise<{ session: SessionRecord; tokenExpiresAt: Date }> {
  // Where this sign-in came from, for "your devices" (res.req: the request being answered).
  const { session, refreshToken } = await ctx.sessions.start(user.id, ctx.now(), sessionDevice(res.req), amr);
  const { tokenExpiresAt } = await issueSessionCookies(ctx, res, user, session, refreshToken);
  res.append('Set-Cookie', ctx.devices.issue(user.username));
  return { session, tokenExpiresAt };
}

export interface Account {
  claims: SsoClaims;
  session: SessionRecord;
  user: UserRecord;
}

/** The signed-in account behind this request's domain token: a live session of an enabled user, or null. */
export async function getAccount(ctx: App1Context, req: Request): Promise<Account | null> {
  const result = await ctx.reader.verifyRequest({ cookieHeader: req.headers.cookie });
  return result.ok ? accountOf(ctx, result.claims) : null;
}

/** Like getAccount, but a request without one fails: 401 with the code that says whether to renew. */
export async function requireAccount(ctx: App1Context, req: Request): Promise<Account> {
  const result = await ctx.reader.verifyRequest({ cookieHeader: req.headers.cookie });
  if (!result.ok) throw sessionHttpError(result.code, `${ctx.config.origin}/login`);
  const account = await accountOf(ctx, result.claims);
  if (!account) throw new HttpError('UNAUTHENTICATED');
  return account;
}

async function accountOf(ctx: App1Context, claims: SsoClaims): Promise<Account | null> {
  const session = await ctx.sessionStore.get(claims.sid);
  const user = session ? await ctx.users.findById(session.userId) : null;
  if (!session || !user || !ctx.sessions.isLive(session, ctx.now()) || user.disabledAt !== null) return null;
  return { claims, session, user };
}

/**
 * Ends this browser's session (or, `everywhere`, every session of its user)
 * and clears both session cookies, with the attributes they were set with.
 * The refresh cookie identifies the session even after the token expired;
 * the domain token covers a browser that lost the refresh cookie. Not
 * Clear-Site-Data: it would also drop the device cookie (ADR 012).
 */
export async function endSession(
  ctx: App1Context,
  req: Request,
  res: Response,
  options: { everywhere: boolean },
): Promise<{ session: SessionRecord | null; revoked: string[] }> {
  const now = ctx.now();
  const refreshValue = ctx.cookies.refresh.read(req.headers.cookie);
  let session = refreshValue.status === 'present' ? await ctx.sessions.fromRefreshToken(refreshValue.value, now) : null;
  if (!session) {
    const claims = await ctx.reader.getSession(req);
    session = claims ? await ctx.sessionStore.get(claims.sid) : null;
  }
  let revoked: string[] = [];
  if (session) {
    revoked = options.everywhere
      ? await ctx.sessions.revokeAllForUser(session.userId, 'logout-everywhere', now)
      : await ctx.sessions.revoke([session.id], 'logout', now);
  }
  clearSessionCookies(ctx, res);
  return { session, revoked };
}

/** Ends every session of a user that may still have a live token (password change, disabled account). */
export function endAllSessions(ctx: App1Context, userId: string, reason: Exclude<EndReason, 'logout' | 'logout-everywhere' | 'ended-from-another-device' | 'revoked-by-operator' | 'account-deleted'>): Promise<string[]> {
  return ctx.sessions.revokeAllForUser(userId, reason, ctx.now());
}

/** When the session's idle timeout falls, for the account page. */
export function idleExpiresAt(ctx: App1Context, session: SessionRecord): Date {
  return new Date(ctx.sessions.idleExpiresAt(session));
}

/**
 * True when this request carries a domain token with more than half its
 * life left: renewing it again (at GET /login) could only loop.
 */
export async function hasFreshToken(ctx: App1Context, req: Request): Promise<boolean> {
  const current = await ctx.reader.verifyRequest({ cookieHeader: req.headers.cookie });
  return current.ok && current.claims.exp - ctx.now() / 1000 > ctx.signer.ttlSeconds / 2;
}

/** True when the request carries a refresh cookie (a session may be renewable). */
export function hasRefreshCookie(ctx: App1Context, req: Request): boolean {
  return ctx.cookies.refresh.read(req.headers.cookie).status === 'present';
}

/**
 * True when the request carries neither the domain token cookie (valid,
 * expired, garbled or sent twice) nor the refresh cookie: nobody is signed
 * in and nothing could be renewed.
 */
export function hasNoSessionCookies(ctx: App1Context, req: Request): boolean {
  const cookies = req.headers.cookie;
  return ctx.cookies.token.read(cookies).status === 'absent' && ctx.cookies.refresh.read(cookies).status === 'absent';
}

/** The revocation feed after `since`: revoked sessions from the store, withdrawn keys from the key set. */
export async function revocationFeed(ctx: App1Context, since: number): Promise<RevocationFeed> {
  const feed = await ctx.sessionStore.revocationsSince(since, ctx.now());
  const iss = ctx.config.origin;
  return { ...feed, withdrawnKeys: ctx.keys?.withdrawn() ?? [], deletions: feed.deletions.map((d) => ({ iss, ...d })) };
}
