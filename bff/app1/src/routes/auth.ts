import { Router, type Request } from 'express';
import { HttpError, failValidation, parseBody } from '@sso/bff-common';
import { mustVerifyEmail, sendVerification } from '../recovery/email-links';
import { LoginRequestSchema, LogoutRequestSchema, SignupRequestSchema, type LoginOutcome, type LoginResponse, type LogoutResponse, type SecondFactorChallenge } from '@sso/types';
import { enrolledSecondFactors } from '../mfa/verify-second-factor';
import type { App1Context } from '../context';
import { endSession, issueSession } from '../sessions/lifecycle';
import { newId } from '../sessions/session-service';
import { logRefusedOrigin, returnToOrigins, safeRedirect } from '../sessions/return-to';
import { toAccount } from '../users/account';
import { checkPassword } from '../users/password-check';
import { commonPasswordIn } from '../users/password-policy';
import { bcryptCost, type UserRecord } from '../users/user-store';

const THROTTLED_MESSAGES = {
  failures: 'Too many sign-in attempts. Try again later.',
  concurrency: 'A sign-in for this account or from your network is already running. Try again in a moment.',
  successes: 'This account signed in too often in a short time. Try again later.',
} as const;

/**
 * After BCRYPT_COST changed, an account's hash is redone at the new cost at
 * its next successful sign-in (the password is at hand only then).
 */
async function rehashIfNeeded(ctx: App1Context, user: UserRecord, password: string): Promise<UserRecord> {
  if (!ctx.hasher.needsRehash(user.passwordHash)) return user;
  const passwordHash = await ctx.hasher.hash(password);
  await ctx.users.updatePassword(user.id, passwordHash);
  ctx.hasher.noteStored(bcryptCost(user.passwordHash), ctx.hasher.cost);
  return { ...user, passwordHash };
}

/** POST /api/signup, /api/login, /api/logout. */
export function authRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const allowedReturn = returnToOrigins(ctx.config);
  const redirectFor = (req: Request, returnTo: string | undefined) => safeRedirect(returnTo, allowedReturn, home, logRefusedOrigin(req));

  router.post('/signup', async (req, res) => {
    const body = parseBody(SignupRequestSchema, req.body, commonPasswordIn('password'));
    // With the gate on, an account without an address could never sign in (ADR 030).
    if (ctx.config.requireVerifiedEmail && !body.email) failValidation({ email: ['Enter your email address: you confirm it before you can sign in.'] });
    const wait = await ctx.throttle.signupRetryAfter(req.ip);
    if (wait > 0) {
      req.log.warn({ event: 'signup.throttled', retryAfter: wait }, 'audit');
      throw new HttpError('RATE_LIMITED', 'Too many sign-ups from your network. Try again later.', { retryAfter: wait });
    }
    const passwordHash = await ctx.hasher.hash(body.password);
    const created = await ctx.users.create({
      id: newId('usr'),
      username: body.username,
      email: body.email ?? null,
      emailVerified: false,
      name: body.name ?? null,
      passwordHash,
      createdAt: new Date(ctx.now()).toISOString(),
      disabledAt: null,
      groups: [],
    });
    if (!created.ok) {
      throw new HttpError('USERNAME_TAKEN', 'That username is taken. Choose another, or sign in if it is yours.', {
        errors: { username: ['That username is taken.'] },
      });
    }
    ctx.hasher.noteStored(null, ctx.hasher.cost);
    const user = created.user;
    if (user.email !== null) await sendVerification(ctx, { ...user, email: user.email });
    if (mustVerifyEmail(ctx, user)) {
      res.append('Set-Cookie', ctx.pendingVerifications.issue(user).setCookie);
      req.log.info({ event: 'signup', userId: user.id, verifyEmail: true }, 'audit');
      res.status(201).json({ verifyEmail: { email: user.email } } satisfies LoginOutcome);
      return;
    }
    const { session } = await issueSession(ctx, res, created.user);
    req.log.info({ event: 'signup', userId: created.user.id, sid: session.id }, 'audit');
    res.status(201).json({ user: toAccount(created.user), redirectTo: redirectFor(req, body.returnTo) } satisfies LoginResponse);
  });

  router.post('/login', async (req, res) => {
    const body = parseBody(LoginRequestSchema, req.body);
    // The client's address; behind a proxy only with TRUST_PROXY configured.
    const checked = await checkPassword(ctx, { username: body.username, password: body.password, address: req.ip, cookieHeader: req.headers.cookie, countSuccess: true });
    if (!checked.ok) {
      if (checked.code === 'RATE_LIMITED') {
        req.log.warn({ event: 'login.throttled', reason: checked.reason, retryAfter: checked.retryAfter }, 'audit');
        ctx.metrics?.signIns.inc({ outcome: 'throttled' });
        throw new HttpError('RATE_LIMITED', THROTTLED_MESSAGES[checked.reason], { retryAfter: checked.retryAfter });
      }
      req.log.info({ event: 'login.failure' }, 'audit');
      ctx.metrics?.signIns.inc({ outcome: 'invalid_credentials' });
      throw new HttpError('INVALID_CREDENTIALS', 'The username or password is wrong.');
    }
    const user = await rehashIfNeeded(ctx, checked.user, body.password);
    if (mustVerifyEmail(ctx, user)) {
      // Before the second factor: no domain token until the address is confirmed, only the "check your inbox" step (ADR 030).
      res.append('Set-Cookie', ctx.pendingVerifications.issue(user).setCookie);
      req.log.info({ event: 'login.email-unverified', userId: user.id }, 'audit');
      res.json({ verifyEmail: { email: user.email } } satisfies LoginOutcome);
      return;
    }
    const methods = await enrolledSecondFactors(ctx, user.id);
    if (methods.length > 0) {
      // No session and no domain token yet: only a pending sign-in, host-only, for a few minutes (ADR 028).
      const { pending, setCookie } = ctx.pendingSignIns.issue(user);
      res.append('Set-Cookie', setCookie);
      req.log.info({ event: 'login.second-factor-required', userId: user.id }, 'audit');
      ctx.metrics?.signIns.inc({ outcome: 'second_factor_required' });
      res.json({ secondFactor: { methods, expiresAt: new Date(pending.expiresAt).toISOString() } } satisfies SecondFactorChallenge);
      return;
    }
    const { session } = await issueSession(ctx, res, user);
    req.log.info({ event: 'login.success', userId: user.id, sid: session.id }, 'audit');
    ctx.metrics?.signIns.inc({ outcome: 'success' });
    res.json({ user: toAccount(user), redirectTo: redirectFor(req, body.returnTo) } satisfies LoginResponse);
  });

  router.post('/logout', async (req, res) => {
    const body = parseBody(LogoutRequestSchema, req.body ?? {});
    const { session, revoked } = await endSession(ctx, req, res, { everywhere: body.everywhere ?? false });
    if (session) {
      req.log.info({ event: body.everywhere ? 'logout.everywhere' : 'logout', userId: session.userId, sid: session.id, revoked: revoked.length }, 'audit');
    }
    res.json({ signedOut: true, revokedSessions: revoked.length } satisfies LogoutResponse);
  });

  return router;
}
