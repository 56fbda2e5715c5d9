import type { Response } from 'express';
import type { App1Context } from '../context';
import type { UserRecord } from '../users/user-store';
import type { SessionRecord } from './session-store';

/**
 * Signs a fresh domain token for the session and sets both cookies. The
 * domain cookie lives as long as its token; the refresh cookie as long as
 * the session may.
 */
export async function issueSessionCookies(
  ctx: App1Context,
  res: Response,
  user: UserRecord,
  session: SessionRecord,
  refreshToken: string,
): Promise<{ tokenExpiresAt: Date }> {
  const issued = await ctx.signer.sign({
    sub: user.id,
    sid: session.id,
    preferred_username: user.username,
    email: user.email,
    name: user.name,
  });
  const refreshMaxAge = Math.max(1, Math.floor((session.absoluteExpiresAt - ctx.now()) / 1000));
  res.append('Set-Cookie', ctx.cookies.token.serialize(issued.token, ctx.signer.ttlSeconds));
  res.append('Set-Cookie', ctx.cookies.refresh.serialize(refreshToken, refreshMaxAge));
  return { tokenExpiresAt: issued.expiresAt };
}

/** Clears both cookies with the attributes they were set with, and a stray host-only token cookie. */
export function clearSessionCookies(ctx: App1Context, res: Response): void {
  res.append('Set-Cookie', ctx.cookies.token.serializeClear());
  res.append('Set-Cookie', ctx.cookies.refresh.serializeClear());
  res.append('Set-Cookie', ctx.cookies.tokenHostOnly.serializeClear());
}
