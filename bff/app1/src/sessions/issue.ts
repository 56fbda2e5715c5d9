import type { Response } from 'express';
import type { App1Context } from '../context';
import type { UserRecord } from '../users/user-store';
import type { SessionRecord } from './session-store';

/**
 * Signs a fresh domain token for the session and sets both cookies. Both
 * cookies live as long as the session may: the token inside the domain
 * cookie still expires with its `exp`, but a browser that kept the cookie
 * lets a relying app say SESSION_EXPIRED ("renew") rather than "never signed
 * in". `refreshToken` null (a renewal within the grace window) leaves the
 * refresh cookie the browser already has.
 */
export async function issueSessionCookies(
  ctx: App1Context,
  res: Response,
  user: UserRecord,
  session: SessionRecord,
  refreshToken: string | null,
): Promise<{ tokenExpiresAt: Date }> {
  const issued = await ctx.signer.sign(
    {
      sub: user.id,
      sid: session.id,
      preferred_username: user.username,
      email: user.email,
      email_verified: user.email !== null && user.emailVerified,
      name: user.name,
      amr: session.amr ?? ['pwd'],
      auth_time: Math.floor((session.authTime ?? session.createdAt) / 1000),
      groups: user.groups,
    },
    // Never past the session's absolute expiry: sign-out everywhere then
    // finds every session that may still have a live token.
    { notAfter: Math.floor(session.absoluteExpiresAt / 1000) },
  );
  const sessionMaxAge = Math.max(1, Math.round((session.absoluteExpiresAt - ctx.now()) / 1000));
  res.append('Set-Cookie', ctx.cookies.token.serialize(issued.token, sessionMaxAge));
  if (refreshToken !== null) res.append('Set-Cookie', ctx.cookies.refresh.serialize(refreshToken, sessionMaxAge));
  return { tokenExpiresAt: issued.expiresAt };
}

/** Clears both cookies with the attributes they were set with, and a stray host-only token cookie. */
export function clearSessionCookies(ctx: App1Context, res: Response): void {
  res.append('Set-Cookie', ctx.cookies.token.serializeClear());
  res.append('Set-Cookie', ctx.cookies.refresh.serializeClear());
  res.append('Set-Cookie', ctx.cookies.tokenHostOnly.serializeClear());
}
