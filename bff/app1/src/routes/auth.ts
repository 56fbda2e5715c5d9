import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import { LoginRequestSchema, LogoutRequestSchema, SignupRequestSchema, type LoginResponse, type LogoutResponse } from '@sso/types';
import type { App1Context } from '../context';
import { clearSessionCookies, issueSessionCookies } from '../sessions/issue';
import { newId } from '../sessions/session-service';
import { safeRedirect } from '../sessions/return-to';
import { toAccount } from '../users/account';

/** POST /api/signup, /api/login, /api/logout. */
export function authRoutes(ctx: App1Context): Router {
  const router = Router();
  const home = `${ctx.config.origin}/account`;
  const redirectFor = (returnTo: string | undefined) => safeRedirect(returnTo, ctx.config.appOrigins, home);

  router.post('/signup', async (req, res) => {
    const body = parseBody(SignupRequestSchema, req.body);
    const wait = await ctx.throttle.signupRetryAfter(req.ip ?? 'unknown');
    if (wait > 0) {
      req.log.warn({ event: 'signup.throttled', retryAfter: wait }, 'audit');
      throw new HttpError(429, 'RATE_LIMITED', 'Too many sign-ups from your network. Try again later.', { retryAfter: wait });
    }
    const passwordHash = await ctx.hasher.hash(body.password);
    const created = await ctx.users.create({
      id: newId('usr'),
      username: body.username,
      email: body.email ?? null,
      name: body.name ?? null,
      passwordHash,
      createdAt: new Date(ctx.now()).toISOString(),
      disabledAt: null,
    });
    if (!created.ok) {
      throw new HttpError(409, 'USERNAME_TAKEN', 'That username is taken. Choose another, or sign in if it is yours.', {
        errors: { username: ['That username is taken.'] },
      });
    }
    const { session, refreshToken } = await ctx.sessions.start(created.user.id, ctx.now());
    await issueSessionCookies(ctx, res, created.user, session, refreshToken);
    req.log.info({ event: 'signup', userId: created.user.id, sid: session.id }, 'audit');
    res.status(201).json({ user: toAccount(created.user), redirectTo: redirectFor(body.returnTo) } satisfies LoginResponse);
  });

  router.post('/login', async (req, res) => {
    const body = parseBody(LoginRequestSchema, req.body);
    // The client's address; behind a proxy only with TRUST_PROXY configured.
    const address = req.ip ?? 'unknown';
    const wait = await ctx.throttle.retryAfter(body.username, address);
    if (wait > 0) {
      req.log.warn({ event: 'login.throttled', retryAfter: wait }, 'audit');
      throw new HttpError(429, 'RATE_LIMITED', 'Too many sign-in attempts. Try again later.', { retryAfter: wait });
    }
    const user = await ctx.users.findByUsername(body.username);
    // Always one bcrypt comparison, against a dummy hash for unknown users.
    const ok = await ctx.hasher.verify(body.password, user?.passwordHash ?? null);
    if (!ok || !user || user.disabledAt !== null) {
      await ctx.throttle.failed(body.username, address);
      req.log.info({ event: 'login.failure' }, 'audit');
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'The username or password is wrong.');
    }
    await ctx.throttle.succeeded(body.username, address);
    const { session, refreshToken } = await ctx.sessions.start(user.id, ctx.now());
    await issueSessionCookies(ctx, res, user, session, refreshToken);
    req.log.info({ event: 'login.success', userId: user.id, sid: session.id }, 'audit');
    res.json({ user: toAccount(user), redirectTo: redirectFor(body.returnTo) } satisfies LoginResponse);
  });

  router.post('/logout', async (req, res) => {
    const body = parseBody(LogoutRequestSchema, req.body ?? {});
    const now = ctx.now();
    // The refresh cookie identifies the session even after the token expired;
    // the domain token covers a browser that lost the refresh cookie.
    const refreshValue = ctx.cookies.refresh.read(req.headers.cookie);
    let session = refreshValue.status === 'present' ? await ctx.sessions.fromRefreshToken(refreshValue.value, now) : null;
    if (!session) {
      const claims = await ctx.reader.getSession(req);
      session = claims ? await ctx.sessionStore.get(claims.sid) : null;
    }
    let revoked: string[] = [];
    if (session) {
      revoked = body.everywhere
        ? await ctx.sessions.revokeAllForUser(session.userId, 'logout-everywhere', now)
        : await ctx.sessions.revoke([session.id], 'logout', now);
      req.log.info({ event: body.everywhere ? 'logout.everywhere' : 'logout', userId: session.userId, sid: session.id, revoked: revoked.length }, 'audit');
    }
    clearSessionCookies(ctx, res);
    res.setHeader('Clear-Site-Data', '"cookies"');
    res.json({ signedOut: true, revokedSessions: revoked.length } satisfies LogoutResponse);
  });

  return router;
}
