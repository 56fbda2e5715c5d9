import { http, HttpResponse } from 'msw';
import {
  ChangeEmailRequestSchema,
  ResendVerificationRequestSchema,
  UpdateProfileRequestSchema,
  VerifyEmailRequestSchema,
  type ChangeEmailRequest,
  type EmailStatus,
  type Problem,
  type ResendVerificationRequest,
  type ResendVerificationResponse,
  type UpdateProfileRequest,
  type UpdateProfileResponse,
  type VerifyEmailRequest,
  type VerifyEmailResponse,
} from '@sso/types';
import { MOCK_VERIFY_TOKEN, mockDb, tokenUser, type MockUser } from './db';
import { problem, validationProblem } from './handlers';

/** As BFF 1 answers the email endpoints (ADR 030). */
const inADay = () => new Date(Date.now() + 86_400_000).toISOString();
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const identityDown = () => mockDb.scenario === 'unavailable';
const userById = (id: string | null) => [...mockDb.users.values()].find((u) => u.account.id === id) ?? null;

/** Issues the mocks' link for `user` (one per user and kind; a newer one voids the older, as at BFF 1). */
export function issueEmailToken(user: MockUser, email: string, change: boolean): void {
  const token = change ? `chg_mock-${user.account.username}` : user.account.username === 'demo' ? MOCK_VERIFY_TOKEN : `vfy_mock-${user.account.username}`;
  mockDb.emailTokens.set(token, { username: user.account.username, email, change, expiresAt: inADay() });
  mockDb.usedEmailTokens.delete(token);
}

function statusOf(user: MockUser): EmailStatus {
  const pending = [...mockDb.emailTokens.values()].find((t) => t.change && t.username === user.account.username);
  return { email: user.account.email, emailVerified: user.account.emailVerified, pending: pending ? { email: pending.email, expiresAt: pending.expiresAt } : null };
}

export const emailHandlers = [
  http.post<never, VerifyEmailRequest, VerifyEmailResponse | Problem>('*/api/email/verify', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const parsed = VerifyEmailRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const { token } = parsed.data;
    if (mockDb.scenario === 'verify-expired') return problem('LINK_EXPIRED', { detail: 'This link has expired. Ask for a new link.' });
    if (mockDb.scenario === 'verify-used' || mockDb.usedEmailTokens.has(token)) return problem('LINK_USED', { detail: 'This link was already used.' });
    const demo = mockDb.users.get('demo');
    // dev:mock keeps no tokens across page loads: the demo link stands for itself while the demo address is unverified.
    const entry = mockDb.emailTokens.get(token) ?? (token === MOCK_VERIFY_TOKEN && demo && !demo.account.emailVerified ? { username: 'demo', email: demo.account.email!, change: false, expiresAt: inADay() } : undefined);
    const user = entry ? mockDb.users.get(entry.username) : undefined;
    if (!entry || !user) return problem('LINK_INVALID', { detail: 'This link is not valid: it was mistyped, a newer link was sent, or the address changed since. Ask for a new link.' });
    mockDb.emailTokens.delete(token);
    mockDb.usedEmailTokens.add(token);
    user.account.email = entry.email;
    user.account.emailVerified = true;
    return HttpResponse.json({ email: entry.email, emailVerified: true, changed: entry.change });
  }),

  http.post<never, ResendVerificationRequest, ResendVerificationResponse | Problem>('*/api/email/verification', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const parsed = ResendVerificationRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const user = tokenUser() ?? userById(mockDb.pendingVerification);
    if (!user) return problem('UNAUTHENTICATED', { detail: 'Sign in again to get a new link.' });
    const to = parsed.data.email ?? user.account.email;
    if (to === null) return problem('VALIDATION_FAILED', { errors: { email: ['Enter the email address to confirm.'] } });
    const sameAddress = user.account.email !== null && same(to, user.account.email);
    if (sameAddress && user.account.emailVerified) return problem('EMAIL_ALREADY_VERIFIED', { detail: 'This address is confirmed already.' });
    if (mockDb.scenario === 'throttled') return problem('RATE_LIMITED', { detail: 'Too many mails asked for. Try again later.', retryAfter: 600 });
    issueEmailToken(user, to, !sameAddress);
    return HttpResponse.json({ sentTo: to }, { status: 202 });
  }),

  http.get<never, never, EmailStatus | Problem>('*/api/account/email', async () => {
    if (identityDown()) return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    return HttpResponse.json(statusOf(user));
  }),

  http.post<never, ChangeEmailRequest, EmailStatus | Problem>('*/api/account/email', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = ChangeEmailRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (parsed.data.currentPassword !== user.password) {
      return problem('INVALID_CREDENTIALS', { detail: 'The current password is wrong.', errors: { currentPassword: ['The current password is wrong.'] } });
    }
    if (user.account.email !== null && same(parsed.data.email, user.account.email)) {
      return problem('VALIDATION_FAILED', { errors: { email: ['That is the address the account has now.'] } });
    }
    if (mockDb.scenario === 'throttled') return problem('RATE_LIMITED', { detail: 'Too many mails asked for. Try again later.', retryAfter: 600 });
    issueEmailToken(user, parsed.data.email, true);
    return HttpResponse.json(statusOf(user), { status: 202 });
  }),

  http.post<never, UpdateProfileRequest, UpdateProfileResponse | Problem>('*/api/account/profile', async ({ request }) => {
    if (identityDown()) return HttpResponse.error();
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = UpdateProfileRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    user.account.name = parsed.data.name;
    return HttpResponse.json({ user: user.account });
  }),
];
