import { delay, http, HttpResponse } from 'msw';
import {
  ChangePasswordRequestSchema,
  EndSessionRequestSchema,
  ForgotPasswordRequestSchema,
  ResetPasswordRequestSchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  fieldErrorsOf,
  PROBLEM_CONTENT_TYPE,
  problemOf,
  SignupRequestSchema,
  type ChangePasswordRequest,
  type ChangePasswordResponse,
  type DeviceSessionsResponse,
  type EndSessionRequest,
  type EndSessionsResponse,
  type ErrorCode,
  type ForgotPasswordRequest,
  type ForgotPasswordResponse,
  type ResetPasswordRequest,
  type ResetPasswordResponse,
  type LoginRequest,
  type LoginOutcome,
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
import { MOCK_RESET_TOKEN, mockDb, signedInUser, tokenUser } from './db';
import { secondFactorHandlers } from './second-factor-handlers';
import { accountDeletionHandlers } from './account-deletion-handlers';
import { emailHandlers, issueEmailToken } from './email-handlers';
import { recentAuthProblem, securityHandlers, stepUpHandlers } from './step-up-handlers';
import { passkeyHandlers, pendingMethods } from './passkey-handlers';

/** The same problem+json the BFFs answer: status and title from the shared table. */
export function problem(code: ErrorCode, extra: Partial<Omit<Problem, 'type' | 'title' | 'code' | 'status'>> = {}) {
  const body = problemOf(code, extra);
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (extra.retryAfter !== undefined) headers['retry-after'] = String(extra.retryAfter);
  return HttpResponse.json<Problem>(body, { status: body.status, headers });
}

export function validationProblem(error: z.core.$ZodError) {
  return problem('VALIDATION_FAILED', { errors: fieldErrorsOf(error.issues) });
}

const APP_ORIGINS = [DEV_ORIGINS.app1, DEV_ORIGINS.app2];

/**
 * A few entries of BFF 1's common-password list (about 49,000 entries, kept
 * out of the SPA bundle): enough for the mocks to answer as it does.
 */
const COMMON_PASSWORDS = new Set(['password', 'password1', 'password123', '12345678', '123456789', 'qwertyuiop', 'iloveyou', 'sunshine', 'trustno1', 'passw0rd']);
const COMMON_PASSWORD_MESSAGE = 'This password is too common: it is on the lists attackers try first. Choose another.';
const isCommonPassword = (password: string) => COMMON_PASSWORDS.has(password.toLowerCase());

export function redirectFor(returnTo: string | undefined, identityOrigin: string): string {
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

/**
 * `unavailable`: BFF 1 is down, so its API does not answer at all (the
 * browser sees a network error, as with no server or a proxy timing out).
 * BFF 2 stays up and answers for itself: IDENTITY_UNAVAILABLE.
 */
const identityDown = () => mockDb.scenario === 'unavailable';

const inTenMinutes = () => new Date(Date.now() + 600_000).toISOString();

/** As the BFFs answer a request without a valid token: expired (cookie kept) or absent. */
export function noValidToken(loginUrl?: string) {
  const extra = loginUrl ? { loginUrl } : {};
  if (mockDb.token === 'expired' && signedInUser()) return problem('SESSION_EXPIRED', extra);
  if (!tokenUser()) return problem('UNAUTHENTICATED', extra);
  return null;
}

export function signIn(userId: string) {
  mockDb.signedInUserId = userId;
  mockDb.token = 'valid';
  mockDb.sessionEnded = null;
  mockDb.tokenExpiresAt = inTenMinutes();
  mockDb.sessionCreatedAt = Date.now();
  mockDb.secondFactorAt = null;
}

/** App 1's API, as BFF 1 answers it. */
export const identityHandlers = [
  http.post<never, SignupRequest, LoginOutcome | Problem>('*/api/signup', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    const parsed = SignupRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const { username, password, email, name, returnTo } = parsed.data;
    if (mockDb.requireVerifiedEmail && !email) return problem('VALIDATION_FAILED', { errors: { email: ['Enter your email address: you confirm it before you can sign in.'] } });
    if (isCommonPassword(password)) return problem('VALIDATION_FAILED', { errors: { password: [COMMON_PASSWORD_MESSAGE] } });
    if (mockDb.users.has(username)) {
      return problem('USERNAME_TAKEN', { detail: 'That username is taken. Choose another, or sign in if it is yours.', errors: { username: ['That username is taken.'] } });
    }
    const account = { id: `usr_${username}`, username, email: email ?? null, emailVerified: false, name: name ?? null, createdAt: new Date().toISOString(), groups: [] };
    const user = { account, password };
    mockDb.users.set(username, user);
    // As BFF 1: a verification link goes to the address; with the gate on, no session until it is used (ADR 030).
    if (email) issueEmailToken(user, email, false);
    if (mockDb.requireVerifiedEmail) {
      mockDb.pendingVerification = account.id;
      return HttpResponse.json({ verifyEmail: { email: account.email } }, { status: 201 });
    }
    signIn(account.id);
    return HttpResponse.json({ user: account, redirectTo: redirectFor(returnTo, new URL(request.url).origin) }, { status: 201 });
  }),

  http.post<never, LoginRequest, LoginResponse | Problem>('*/api/login', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    const parsed = LoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (mockDb.scenario === 'throttled') {
      return problem('RATE_LIMITED', { detail: 'Too many sign-in attempts. Try again later.', retryAfter: 42 });
    }
    const user = mockDb.users.get(parsed.data.username);
    if (!user || user.password !== parsed.data.password) {
      return problem('INVALID_CREDENTIALS', { detail: 'The username or password is wrong.' });
    }
    if (mockDb.requireVerifiedEmail && !user.account.emailVerified) {
      mockDb.pendingVerification = user.account.id;
      return HttpResponse.json({ verifyEmail: { email: user.account.email } } as never);
    }
    if (mockDb.totpEnabled.has(user.account.id)) {
      // As BFF 1: no session yet, only a pending sign-in.
      mockDb.pendingSecondFactor = user.account.id;
      return HttpResponse.json({ secondFactor: { methods: pendingMethods(user.account.id), expiresAt: new Date(Date.now() + 300_000).toISOString() } } as never);
    }
    signIn(user.account.id);
    return HttpResponse.json({ user: user.account, redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin) });
  }),

  http.post<never, z.input<typeof LogoutRequestSchema>, LogoutResponse | Problem>('*/api/logout', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const parsed = LogoutRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const revoked = mockDb.signedInUserId ? 1 : 0;
    mockDb.signedInUserId = null;
    mockDb.token = 'absent';
    return HttpResponse.json({ signedOut: true, revokedSessions: revoked });
  }),

  http.get<never, never, SessionResponse | Problem>('*/api/session', async () => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    // As BFF 1: neither cookie (never signed in, or signed out) is a valid empty state, not a 401.
    if (mockDb.token === 'absent' && mockDb.signedInUserId === null) return HttpResponse.json({ user: null });
    const unauthenticated = noValidToken();
    if (unauthenticated) return unauthenticated;
    const user = tokenUser()!;
    const created = mockDb.sessionCreatedAt;
    return HttpResponse.json({
      user: user.account,
      session: {
        id: 'ses_mock',
        createdAt: new Date(created).toISOString(),
        tokenExpiresAt: mockDb.tokenExpiresAt,
        idleExpiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
        absoluteExpiresAt: new Date(created + 12 * 3600_000).toISOString(),
      },
    });
  }),

  http.post<never, ChangePasswordRequest, ChangePasswordResponse | Problem>('*/api/account/password', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = ChangePasswordRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const recent = recentAuthProblem(user.account.id, { passwordInRequest: true });
    if (recent) return recent;
    // In BFF 1's order: the list, then the current password, then "same as current".
    if (isCommonPassword(parsed.data.newPassword)) return problem('VALIDATION_FAILED', { errors: { newPassword: [COMMON_PASSWORD_MESSAGE] } });
    if (parsed.data.currentPassword !== user.password) {
      return problem('INVALID_CREDENTIALS', { detail: 'The current password is wrong.', errors: { currentPassword: ['The current password is wrong.'] } });
    }
    if (parsed.data.newPassword === parsed.data.currentPassword) {
      return problem('VALIDATION_FAILED', { errors: { newPassword: ['Choose a new password, not your current one.'] } });
    }
    user.password = parsed.data.newPassword;
    return HttpResponse.json({ user: user.account, revokedSessions: 0 });
  }),

  http.get<never, never, DeviceSessionsResponse | Problem>('*/api/account/sessions', async () => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    const unauthenticated = noValidToken();
    if (unauthenticated) return unauthenticated;
    const created = new Date(mockDb.sessionCreatedAt).toISOString();
    const self = { id: 'ses_mock', browser: 'Chrome 156', os: 'Linux', address: '127.0.0.1', createdAt: created, lastActiveAt: created, current: true };
    return HttpResponse.json({ sessions: [self, ...mockDb.otherDevices] });
  }),

  http.post<never, EndSessionRequest, EndSessionsResponse | Problem>('*/api/account/sessions/end', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const unauthenticated = noValidToken();
    if (unauthenticated) return unauthenticated;
    const parsed = EndSessionRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (parsed.data.id === 'ses_mock') return problem('VALIDATION_FAILED', { errors: { id: ['That is this device: sign out instead.'] } });
    const before = mockDb.otherDevices.length;
    mockDb.otherDevices = mockDb.otherDevices.filter((d) => d.id !== parsed.data.id);
    if (mockDb.otherDevices.length === before) return problem('NOT_FOUND', { detail: 'No such session is signed in to your account.' });
    return HttpResponse.json({ ended: 1 });
  }),

  http.post<never, Record<string, never>, EndSessionsResponse | Problem>('*/api/account/sessions/end-others', async () => {
    if (identityDown()) return HttpResponse.error();
    const unauthenticated = noValidToken();
    if (unauthenticated) return unauthenticated;
    const ended = mockDb.otherDevices.length;
    mockDb.otherDevices = [];
    return HttpResponse.json({ ended });
  }),

  http.post<never, ForgotPasswordRequest, ForgotPasswordResponse | Problem>('*/api/password/forgot', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    const parsed = ForgotPasswordRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    // As BFF 1: the per-address limit answers before any account is looked up.
    if (mockDb.scenario === 'throttled') {
      return problem('RATE_LIMITED', { detail: 'Too many password reset requests from your network. Try again later.', retryAfter: 600 });
    }
    const login = parsed.data.login;
    const user = [...mockDb.users.values()].find((u) => u.account.username === login.toLowerCase() || u.account.email === login);
    // Issuing voids the account's earlier link (the mocks have one token per user: the demo one, or one named after the user).
    if (user?.account.email) {
      const token = user.account.username === 'demo' ? MOCK_RESET_TOKEN : `rst_mock-${user.account.username}`;
      mockDb.resetTokens.set(token, user.account.username);
      mockDb.usedResetTokens.delete(token);
    }
    // The same answer whether or not an account matched.
    return HttpResponse.json({ accepted: true }, { status: 202 });
  }),

  http.post<never, ResetPasswordRequest, ResetPasswordResponse | Problem>('*/api/password/reset', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    await scenarioDelay();
    const parsed = ResetPasswordRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    // As BFF 1: the password is checked before the token is spent.
    if (isCommonPassword(parsed.data.password)) return problem('VALIDATION_FAILED', { errors: { password: [COMMON_PASSWORD_MESSAGE] } });
    const { token } = parsed.data;
    if (mockDb.scenario === 'reset-expired') return problem('LINK_EXPIRED', { detail: 'This reset link has expired. Ask for a new link.' });
    if (mockDb.scenario === 'reset-used' || mockDb.usedResetTokens.has(token)) {
      return problem('LINK_USED', { detail: 'This reset link was already used. Ask for a new link if you need one.' });
    }
    const user = mockDb.users.get(mockDb.resetTokens.get(token) ?? '');
    if (!user) return problem('LINK_INVALID', { detail: 'This reset link is not valid. Ask for a new link.' });
    mockDb.resetTokens.delete(token);
    mockDb.usedResetTokens.add(token);
    user.password = parsed.data.password;
    // Every session of the account ends.
    const revoked = mockDb.signedInUserId === user.account.id ? 1 : 0;
    if (revoked) {
      mockDb.signedInUserId = null;
      mockDb.token = 'absent';
    }
    return HttpResponse.json({ username: user.account.username, revokedSessions: revoked });
  }),

  http.post<never, never, RefreshResponse | Problem>('*/api/session/refresh', async () => {
    if (identityDown()) return HttpResponse.error();
    mockDb.renewals++;
    if (mockDb.sessionEnded) {
      // As BFF 1: the session is over, both cookies are cleared.
      const reason = mockDb.sessionEnded;
      mockDb.signedInUserId = null;
      mockDb.token = 'absent';
      return problem('SESSION_ENDED', { detail: 'Sign in again.', reason });
    }
    if (!signedInUser()) return problem('UNAUTHENTICATED', { detail: 'Sign in again.' });
    mockDb.token = 'valid';
    mockDb.tokenExpiresAt = inTenMinutes();
    return HttpResponse.json({ tokenExpiresAt: mockDb.tokenExpiresAt });
  }),
];

/** App 2's API, as BFF 2 answers it. */
export const relyingHandlers = [
  http.get<never, never, MeResponse | Problem>('*/api/me', async () => {
    await scenarioDelay();
    if (mockDb.scenario === 'unavailable') {
      return problem('IDENTITY_UNAVAILABLE', { detail: 'The identity app cannot be reached to verify your session. Try again shortly.' });
    }
    if (mockDb.scenario === 'rotated' && !mockDb.keysRefetched) {
      // App 2 meets the new kid and refetches app 1's key set once: slower, still signed in.
      mockDb.keysRefetched = true;
      await delay(300);
    }
    const unauthenticated = noValidToken(`${DEV_ORIGINS.app1}/login`);
    if (unauthenticated) return unauthenticated;
    const user = tokenUser()!;
    const now = new Date().toISOString();
    const createdAt = mockDb.provisionedAt.get(user.account.id) ?? now;
    mockDb.provisionedAt.set(user.account.id, createdAt);
    const { id: sub, username, email, emailVerified, name } = user.account;
    return HttpResponse.json({
      user: { id: `lu_${username}`, sub, username, email, emailVerified, name, createdAt, lastSeenAt: createdAt },
      groups: [...user.account.groups],
      tokenExpiresAt: mockDb.tokenExpiresAt,
    });
  }),
  ...securityHandlers,
];

export const handlers = [...identityHandlers, ...secondFactorHandlers, ...accountDeletionHandlers, ...emailHandlers, ...stepUpHandlers, ...passkeyHandlers, ...relyingHandlers];
