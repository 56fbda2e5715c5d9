import type { Request, Response } from 'express';
import { HttpError } from '@sso/bff-common';
import type { App1Context } from '../context';
import type { Account } from '../sessions/lifecycle';
import { hasRefreshCookie } from '../sessions/lifecycle';
import { issueSessionCookies } from '../sessions/issue';
import { renewSession } from '../sessions/renew';
import type { SessionRecord } from '../sessions/session-store';
import { enrolledSecondFactors } from './verify-second-factor';

/**
 * Step-up and recent authentication (ADR 032): a live session proves a
 * second factor again, or is asked to before a sensitive action.
 */

/**
 * The second factors this account can prove at step-up, strongest first.
 * The one seam for more factors: the step-up page and the
 * recent-authentication prompt offer what this lists. Empty: none enrolled.
 * With two-step sign-in on (TOTP), its methods, passkeys included (ADR
 * 033). Without it, an account's passkeys still step up, user-verified
 * only: a verified passkey is two factors on its own (what a passkey
 * sign-in gives, `["hwk"|"swk","mfa"]`), so stepping up with one can never
 * give more than signing out and in again with it would (ADR 032, 033).
 */
export async function stepUpMethods(ctx: App1Context, userId: string): Promise<string[]> {
  const enrolled = await enrolledSecondFactors(ctx, userId);
  if (enrolled.length > 0) return enrolled;
  return (await ctx.passkeys.listForUser(userId)).length > 0 ? ['passkey'] : [];
}

/** True when a passkey steps this account up only with user verification: two-step sign-in is off (no TOTP). */
export async function passkeyStepUpNeedsVerification(ctx: App1Context, userId: string): Promise<boolean> {
  return !(await enrolledSecondFactors(ctx, userId)).includes('totp');
}

/** The amr of a session after it proved `methods` (RFC 8176) now: what it had, plus these and `mfa` (a second factor on top of the first). */
export function amrAfterStepUp(current: readonly string[] | undefined, methods: readonly string[]): string[] {
  const amr = [...(current ?? ['pwd'])];
  for (const m of [...methods, 'mfa']) if (!amr.includes(m)) amr.push(m);
  return amr;
}

/** When the session last proved who the person is (ms). */
export function authTimeOf(session: SessionRecord): number {
  return session.authTime ?? session.createdAt;
}

/**
 * True when the session has a second factor (`mfa` in its amr), proved
 * within `maxAgeSeconds` (with `marginSeconds` to spare).
 */
export function stepUpSatisfied(session: SessionRecord, maxAgeSeconds: number | undefined, now: number, marginSeconds = 0): boolean {
  if (!(session.amr ?? ['pwd']).includes('mfa')) return false;
  if (maxAgeSeconds === undefined) return true;
  return (now - authTimeOf(session)) / 1000 + marginSeconds <= maxAgeSeconds;
}

/**
 * The margin the step-up page keeps before it sends a browser straight back
 * without asking: a relying app whose clock runs a little ahead would
 * otherwise find the age just past its limit and send it here again.
 */
export function stepUpMargin(maxAgeSeconds: number | undefined): number {
  return maxAgeSeconds === undefined ? 0 : Math.min(30, Math.floor(maxAgeSeconds / 2));
}

/**
 * Records the step-up on the server session (amr, auth_time = now) and
 * re-issues the domain cookie with them. The refresh token rotates too, as
 * at any renewal: a copy taken before the step-up no longer renews the
 * stronger session quietly (using it later trips reuse detection).
 */
export async function recordStepUp(ctx: App1Context, req: Request, res: Response, account: Account, methods: readonly string[]): Promise<{ session: SessionRecord; tokenExpiresAt: Date }> {
  const now = ctx.now();
  const session = await ctx.sessionStore.reauthenticate(account.session.id, amrAfterStepUp(account.session.amr, methods), now);
  if (!session) throw new HttpError('UNAUTHENTICATED', 'Sign in again.');
  if (hasRefreshCookie(ctx, req)) {
    const renewed = await renewSession(ctx, req, res);
    if (!renewed.ok) {
      if (renewed.code === 'UNAUTHENTICATED') throw new HttpError('UNAUTHENTICATED', 'Sign in again.');
      throw new HttpError(renewed.code, 'Sign in again.', { reason: renewed.reason });
    }
    return { session, tokenExpiresAt: renewed.tokenExpiresAt };
  }
  // A browser without app 1's refresh cookie (an API client): the domain cookie alone.
  const { tokenExpiresAt } = await issueSessionCookies(ctx, res, account.user, session, null);
  return { session, tokenExpiresAt };
}

/**
 * Sensitive actions (ADR 032): with a second factor enrolled, the session
 * must have proved it (amr `mfa`) within SSO_RECENT_AUTH_MAX_AGE, else
 * RECENT_AUTH_REQUIRED with the methods that will do; the SPA asks for one
 * inline (POST /api/session/step-up, or its passkey endpoints) and retries.
 * Without two-step sign-in, an action that carries the current password
 * (`passwordInRequest`) is re-authenticated by it at any session age; one
 * that carries no proof (removing a passkey) needs the session's last
 * authentication within the limit, whatever its method (the password is
 * the account's full strength then), and is asked for a passkey step-up
 * otherwise.
 */
export async function requireRecentAuth(ctx: App1Context, account: Account, opts: { passwordInRequest?: boolean } = {}): Promise<void> {
  const twoStep = (await enrolledSecondFactors(ctx, account.user.id)).length > 0;
  if (!twoStep && opts.passwordInRequest) return;
  const maxAge = ctx.config.recentAuthMaxAgeSeconds;
  const now = ctx.now();
  const recent = twoStep ? stepUpSatisfied(account.session, maxAge, now) : (now - authTimeOf(account.session)) / 1000 <= maxAge;
  if (recent) return;
  const methods = await stepUpMethods(ctx, account.user.id);
  throw new HttpError('RECENT_AUTH_REQUIRED', 'Confirm it is you with your second factor, then try again.', { methods });
}
