import { http, HttpResponse } from 'msw';
import {
  PasskeyLoginRequestSchema,
  StepUpQuerySchema,
  StepUpRequestSchema,
  type PasskeyLoginRequest,
  type PasskeyOptionsResponse,
  type Problem,
  type SecurityResponse,
  type StepUpRequest,
  type StepUpResponse,
  type StepUpStatus,
} from '@sso/types';
import { DEV_ORIGINS } from '../lib/client-config';
import { MOCK_TOTP_CODE, mockDb, tokenUser } from './db';
import { noValidToken, problem, redirectFor, validationProblem } from './handlers';

/** App 2's security page wants a second factor at most this old (BFF 2's default APP2_SECURITY_MAX_AUTH_AGE). */
export const MOCK_SECURITY_MAX_AUTH_AGE = 900;
/** BFF 1's default SSO_RECENT_AUTH_MAX_AGE. */
export const MOCK_RECENT_AUTH_MAX_AGE = 600;

/** The second factors the account can prove (BFF 1's stepUpMethods): two-step's, passkeys included; without it, passkeys alone (user-verified). */
function methodsOf(userId: string): string[] {
  const codes = mockDb.totpEnabled.get(userId);
  const passkeys = mockDb.passkeys.get(userId)?.length ? ['passkey'] : [];
  if (!codes) return passkeys;
  return [...(codes.length > 0 ? ['totp', 'recovery-code'] : ['totp']), ...passkeys];
}

const ageSeconds = () => (mockDb.secondFactorAt === null ? Infinity : (Date.now() - mockDb.secondFactorAt) / 1000);
/** Seconds since the session last authenticated, whatever the method (sign-in or step-up). */
const authAgeSeconds = () => (Date.now() - Math.max(mockDb.sessionCreatedAt, mockDb.secondFactorAt ?? 0)) / 1000;

/**
 * As BFF 1's requireRecentAuth: with two-step on, a second factor proved
 * within MOCK_RECENT_AUTH_MAX_AGE; without, an action carrying the password
 * passes, one carrying nothing (removing a passkey) needs an authentication
 * that recent.
 */
export function recentAuthProblem(userId: string, opts: { passwordInRequest?: boolean } = {}) {
  const twoStep = mockDb.totpEnabled.has(userId);
  if (!twoStep && opts.passwordInRequest) return null;
  if ((twoStep ? ageSeconds() : authAgeSeconds()) <= MOCK_RECENT_AUTH_MAX_AGE) return null;
  return problem('RECENT_AUTH_REQUIRED', { detail: 'Confirm it is you with your second factor, then try again.', methods: methodsOf(userId) });
}

/** BFF 1's step-up API: the mocks' app always shows MOCK_TOTP_CODE. */
export const stepUpHandlers = [
  http.get<never, never, StepUpStatus | Problem>('*/api/session/step-up', ({ request }) => {
    const unauthenticated = noValidToken();
    if (unauthenticated) return unauthenticated;
    const user = tokenUser()!;
    const url = new URL(request.url);
    const query = StepUpQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return validationProblem(query.error);
    const maxAge = query.data.max_age === undefined ? undefined : Number(query.data.max_age);
    const margin = maxAge === undefined ? 0 : Math.min(30, Math.floor(maxAge / 2));
    return HttpResponse.json({
      methods: methodsOf(user.account.id),
      satisfied: mockDb.secondFactorAt !== null && (maxAge === undefined || ageSeconds() + margin <= maxAge),
      redirectTo: redirectFor(query.data.returnTo, url.origin),
      username: user.account.username,
    });
  }),

  http.post<never, StepUpRequest, StepUpResponse | Problem>('*/api/session/step-up', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = StepUpRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const codes = mockDb.totpEnabled.get(user.account.id);
    if (!codes) return problem('SECOND_FACTOR_NOT_ENROLLED', { detail: methodsOf(user.account.id).length ? 'This account has no authenticator app: use your passkey.' : 'Set up two-step sign-in on your account page first.' });
    const code = parsed.data.code.trim();
    const at = codes.indexOf(code);
    if (code !== MOCK_TOTP_CODE && at < 0) return problem('INVALID_SECOND_FACTOR', { errors: { code: ['That code is not valid, or it was used already.'] } });
    if (at >= 0) codes.splice(at, 1);
    mockDb.secondFactorAt = Date.now();
    return HttpResponse.json({ redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin), tokenExpiresAt: mockDb.tokenExpiresAt });
  }),

  http.post<never, never, PasskeyOptionsResponse | Problem>('*/api/session/step-up/passkey/options', () => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const mine = mockDb.passkeys.get(user.account.id) ?? [];
    if (!mine.length) return problem('SECOND_FACTOR_NOT_ENROLLED', { detail: 'This account has no passkey.' });
    return HttpResponse.json({
      options: {
        challenge: `mock-step-up-${Math.random().toString(36).slice(2)}`,
        rpId: 'app1.sso.localhost',
        timeout: 120_000,
        userVerification: mockDb.totpEnabled.has(user.account.id) ? 'preferred' : 'required',
        allowCredentials: mine.map((p) => ({ id: p.id, type: 'public-key' })),
      },
    });
  }),

  /** Any credential of the right shape whose id is one of the account's passkeys steps up (the mocks check no signature). */
  http.post<never, PasskeyLoginRequest, StepUpResponse | Problem>('*/api/session/step-up/passkey', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = PasskeyLoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (!(mockDb.passkeys.get(user.account.id) ?? []).some((p) => p.id === parsed.data.credential.id)) return problem('PASSKEY_REFUSED');
    mockDb.secondFactorAt = Date.now();
    return HttpResponse.json({ redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin), tokenExpiresAt: mockDb.tokenExpiresAt });
  }),
];

/** BFF 2's security page: requireSession({ mfa: true, maxAuthAge: 900 }). */
export const securityHandlers = [
  http.get<never, never, SecurityResponse | Problem>('*/api/security', () => {
    const unauthenticated = noValidToken(`${DEV_ORIGINS.app1}/login`);
    if (unauthenticated) return unauthenticated;
    const user = tokenUser()!;
    if (ageSeconds() > MOCK_SECURITY_MAX_AUTH_AGE) {
      return problem('STEP_UP_REQUIRED', {
        detail: 'This page needs a second factor, proved recently. Confirm it at the identity app.',
        loginUrl: `${DEV_ORIGINS.app1}/login`,
        stepUpUrl: `${DEV_ORIGINS.app1}/login/step-up?max_age=${MOCK_SECURITY_MAX_AUTH_AGE}`,
      });
    }
    const authTime = mockDb.secondFactorAt!;
    return HttpResponse.json({
      username: user.account.username,
      amr: ['pwd', 'otp', 'mfa'],
      authTime: new Date(authTime).toISOString(),
      stepUpValidUntil: new Date(authTime + MOCK_SECURITY_MAX_AUTH_AGE * 1000).toISOString(),
    });
  }),
];
