import { delay, http, HttpResponse } from 'msw';
import {
  ChangePasswordRequestSchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  PROBLEM_CONTENT_TYPE,
  SignupRequestSchema,
  type ChangePasswordRequest,
  type ChangePasswordResponse,
  type ErrorCode,
  type LoginRequest,
  type LoginResponse,
  type LogoutResponse,
  type MeResponse,
  type Problem,
  type RefreshResponse,
  type SessionResponse,
  type SignupRequest,
} from '@sso/types';
import type { z } from 'zod/mini';
import { DEV_ORIGINS } from '../lib/client-config';
import { mockDb, signedInUser } from './db';

const STATUS_TITLES: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is not valid',
  INVALID_CREDENTIALS: 'Wrong username or password',
  USERNAME_TAKEN: 'That username is taken',
  UNAUTHENTICATED: 'You are not signed in',
  SESSION_EXPIRED: 'Your session token has expired',
  RATE_LIMITED: 'Too many attempts',
  IDENTITY_UNAVAILABLE: 'The identity service cannot be reached',
};

/** The same problem+json the BFFs answer. */
export function problem(status: number, code: ErrorCode, extra: Partial<Problem> = {}) {
  const body: Problem = {
    type: `https://sso.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: STATUS_TITLES[code] ?? code,
    status,
    code,
    ...extra,
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (extra.retryAfter !== undefined) headers['retry-after'] = String(extra.retryAfter);
  return HttpResponse.json<Problem>(body, { status, headers });
}

function validationProblem(error: z.core.$ZodError) {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) (errors[issue.path.join('.') || '(body)'] ??= []).push(issue.message);
  return problem(400, 'VALIDATION_FAILED', { errors });
}

const APP_ORIGINS = [DEV_ORIGINS.app1, DEV_ORIGINS.app2];

function redirectFor(returnTo: string | undefined, identityOrigin: string): string {
  try {
    if (returnTo && /^https?:\/\//.test(returnTo) && APP_ORIGINS.includes(new URL(returnTo).origin as never)) return returnTo;
  } catch {
    /* fall through */
  }
  return `${identityOrigin}/account`;
}

async function scenarioDelay() {
  if (mockDb.scenario === 'slow') await delay(1500);
}

const inTenMinutes = () => new Date(Date.now() + 600_000).toISOString();

/** App 1's API, as BFF 1 answers it. */
export const identityHandlers = [
  http.post<never, SignupRequest, LoginResponse | Problem>('*/api/signup', async ({ request }) => {
    await scenarioDelay();
    const parsed = SignupRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const { username, password, email, name, returnTo } = parsed.data;
    if (mockDb.users.has(username)) {
      return problem(409, 'USERNAME_TAKEN', { detail: 'That username is taken. Choose another, or sign in if it is yours.', errors: { username: ['That username is taken.'] } });
    }
    const account = { id: `usr_${username}`, username, email: email ?? null, name: name ?? null, createdAt: new Date().toISOString() };
    mockDb.users.set(username, { account, password });
    mockDb.signedInUserId = account.id;
    mockDb.sessionCreatedAt = Date.now();
    return HttpResponse.json({ user: account, redirectTo: redirectFor(returnTo, new URL(request.url).origin) }, { status: 201 });
  }),

  http.post<never, LoginRequest, LoginResponse | Problem>('*/api/login', async ({ request }) => {
    await scenarioDelay();
    const parsed = LoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (mockDb.scenario === 'throttled') {
      return problem(429, 'RATE_LIMITED', { detail: 'Too many sign-in attempts. Try again later.', retryAfter: 42 });
    }
    const user = mockDb.users.get(parsed.data.username);
    if (!user || user.password !== parsed.data.password) {
      return problem(401, 'INVALID_CREDENTIALS', { detail: 'The username or password is wrong.' });
    }
    mockDb.signedInUserId = user.account.id;
    mockDb.tokenExpired = false;
    mockDb.sessionCreatedAt = Date.now();
    return HttpResponse.json({ user: user.account, redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin) });
  }),

  http.post<never, z.input<typeof LogoutRequestSchema>, LogoutResponse | Problem>('*/api/logout', async ({ request }) => {
    const parsed = LogoutRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const revoked = mockDb.signedInUserId ? 1 : 0;
    mockDb.signedInUserId = null;
    return HttpResponse.json({ signedOut: true, revokedSessions: revoked });
  }),

  http.get<never, never, SessionResponse | Problem>('*/api/session', async () => {
    await scenarioDelay();
    const user = signedInUser();
    if (!user) return problem(401, 'UNAUTHENTICATED');
    if (mockDb.tokenExpired) return problem(401, 'SESSION_EXPIRED');
    const created = mockDb.sessionCreatedAt;
    return HttpResponse.json({
      user: user.account,
      session: {
        id: 'ses_mock',
        createdAt: new Date(created).toISOString(),
        tokenExpiresAt: inTenMinutes(),
        idleExpiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
        absoluteExpiresAt: new Date(created + 12 * 3600_000).toISOString(),
      },
    });
  }),

  http.post<never, ChangePasswordRequest, ChangePasswordResponse | Problem>('*/api/account/password', async ({ request }) => {
    const user = signedInUser();
    if (!user) return problem(401, 'UNAUTHENTICATED');
    const parsed = ChangePasswordRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (parsed.data.currentPassword !== user.password) {
      return problem(401, 'INVALID_CREDENTIALS', { detail: 'The current password is wrong.', errors: { currentPassword: ['The current password is wrong.'] } });
    }
    user.password = parsed.data.newPassword;
    return HttpResponse.json({ user: user.account, revokedSessions: 0 });
  }),

  http.post<never, never, RefreshResponse | Problem>('*/api/session/refresh', async () => {
    if (!signedInUser()) return problem(401, 'UNAUTHENTICATED', { detail: 'Sign in again.' });
    mockDb.tokenExpired = false;
    return HttpResponse.json({ tokenExpiresAt: inTenMinutes() });
  }),
];

/** App 2's API, as BFF 2 answers it. */
export const relyingHandlers = [
  http.get<never, never, MeResponse | Problem>('*/api/me', async () => {
    await scenarioDelay();
    if (mockDb.scenario === 'unavailable') {
      return problem(503, 'IDENTITY_UNAVAILABLE', { detail: 'The identity app cannot be reached to verify your session. Try again shortly.' });
    }
    const loginUrl = `${DEV_ORIGINS.app1}/login`;
    const user = signedInUser();
    if (!user) return problem(401, 'UNAUTHENTICATED', { loginUrl });
    if (mockDb.tokenExpired) return problem(401, 'SESSION_EXPIRED', { loginUrl });
    const now = new Date().toISOString();
    const createdAt = mockDb.provisionedAt.get(user.account.id) ?? now;
    mockDb.provisionedAt.set(user.account.id, createdAt);
    const { id: sub, username, email, name } = user.account;
    return HttpResponse.json({ user: { id: `lu_${username}`, sub, username, email, name, createdAt, lastSeenAt: createdAt } });
  }),
];

export const handlers = [...identityHandlers, ...relyingHandlers];
