import type { Request, Response } from 'express';
import type { SessionEndReason } from '@sso/types';
import type { App1Context } from '../context';
import { clearSessionCookies, issueSessionCookies } from './issue';
import { mustVerifyEmail } from '../recovery/email-links';

export type RenewOutcome =
  | { ok: true; userId: string; sid: string; tokenExpiresAt: Date }
  /** No refresh cookie, or one we do not know: nothing to renew. */
  | { ok: false; code: 'UNAUTHENTICATED' }
  /** The session is over; `reason` is what the sign-in page tells the person. */
  | { ok: false; code: 'SESSION_ENDED' | 'REFRESH_REUSED'; reason: SessionEndReason };

/**
 * Renews the domain token from the host-only refresh cookie: rotates the
 * refresh token (theft detection), re-issues both cookies. On failure the
 * cookies are cleared. The one renewal step behind `POST
 * /api/session/refresh` (SPAs) and `GET /login` (a browser sent here by any
 * relying app).
 */
export async function renewSession(ctx: App1Context, req: Request, res: Response): Promise<RenewOutcome> {
  const refreshValue = ctx.cookies.refresh.read(req.headers.cookie);
  const token = refreshValue.status === 'present' ? refreshValue.value : undefined;
  const now = ctx.now();
  const outcome = await ctx.sessions.refresh(token, now);
  if (!outcome.ok) {
    if (outcome.code === 'REFRESH_REUSED') {
      req.log.warn({ event: 'refresh.reuse' }, 'audit');
      ctx.metrics?.refreshReuse.inc();
    }
    ctx.metrics?.refreshes.inc({ outcome: outcome.code === 'REFRESH_REUSED' ? 'reused' : outcome.code === 'SESSION_ENDED' ? 'ended' : 'unauthenticated' });
    clearSessionCookies(ctx, res);
    return outcome;
  }
  const user = await ctx.users.findById(outcome.session.userId);
  if (!user || user.disabledAt !== null) {
    await ctx.sessions.revoke([outcome.session.id], 'user-disabled', now);
    clearSessionCookies(ctx, res);
    ctx.metrics?.refreshes.inc({ outcome: 'disabled' });
    return { ok: false, code: 'SESSION_ENDED', reason: 'disabled' };
  }
  if (mustVerifyEmail(ctx, user)) {
    // A session from before SSO_REQUIRE_VERIFIED_EMAIL was turned on: no new token; signing in again leads to "check your inbox" (ADR 030).
    clearSessionCookies(ctx, res);
    req.log.info({ event: 'refresh.email-unverified', userId: user.id, sid: outcome.session.id }, 'audit');
    return { ok: false, code: 'UNAUTHENTICATED' };
  }
  const { tokenExpiresAt } = await issueSessionCookies(ctx, res, user, outcome.session, outcome.refreshToken);
  req.log.info({ event: 'refresh', userId: user.id, sid: outcome.session.id, rotated: outcome.refreshToken !== null }, 'audit');
  ctx.metrics?.refreshes.inc({ outcome: outcome.refreshToken !== null ? 'rotated' : 'renewed' });
  return { ok: true, userId: user.id, sid: outcome.session.id, tokenExpiresAt };
}
