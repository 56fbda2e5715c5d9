import { http, HttpResponse } from 'msw';
import {
  SecondFactorLoginRequestSchema,
  SecondFactorProofRequestSchema,
  TotpConfirmRequestSchema,
  type LoginResponse,
  type Problem,
  type RecoveryCodesResponse,
  type SecondFactorLoginRequest,
  type SecondFactorProofRequest,
  type SecondFactorStatus,
  type TotpConfirmRequest,
  type TotpSetupResponse,
} from '@sso/types';
import { MOCK_TOTP_CODE, mockDb, tokenUser } from './db';
import { problem, redirectFor, signIn, validationProblem } from './handlers';

const MOCK_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const newCodes = () => Array.from({ length: 10 }, (_, i) => `mock-code-${String(i).padStart(4, '0')}-abcd`);
const status = (userId: string): SecondFactorStatus => {
  const codes = mockDb.totpEnabled.get(userId);
  return { totp: { enabled: Boolean(codes), enabledAt: codes ? '2026-02-01T10:00:00.000Z' : null }, recoveryCodesLeft: codes?.length ?? 0 };
};
const invalid = () => problem('INVALID_SECOND_FACTOR', { errors: { code: ['That code is not valid, or it was used already.'] } });

/** BFF 1's second-factor API: the mocks' app always shows MOCK_TOTP_CODE. */
export const secondFactorHandlers = [
  http.post<never, SecondFactorLoginRequest, LoginResponse | Problem>('*/api/login/second-factor', async ({ request }) => {
    const parsed = SecondFactorLoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const userId = mockDb.pendingSecondFactor;
    const user = [...mockDb.users.values()].find((u) => u.account.id === userId);
    if (!user) return problem('SECOND_FACTOR_EXPIRED');
    const codes = mockDb.totpEnabled.get(user.account.id) ?? [];
    const at = codes.indexOf(parsed.data.code.trim());
    if (parsed.data.code.trim() !== MOCK_TOTP_CODE && at < 0) return invalid();
    if (at >= 0) codes.splice(at, 1);
    mockDb.pendingSecondFactor = null;
    signIn(user.account.id);
    mockDb.secondFactorAt = Date.now();
    return HttpResponse.json({ user: user.account, redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin) });
  }),

  http.get<never, never, SecondFactorStatus | Problem>('*/api/account/second-factor', () => {
    const user = tokenUser();
    return user ? HttpResponse.json(status(user.account.id)) : problem('UNAUTHENTICATED');
  }),

  http.post<never, never, TotpSetupResponse | Problem>('*/api/account/totp/setup', () => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    if (mockDb.totpEnabled.has(user.account.id)) return problem('SECOND_FACTOR_CONFLICT');
    return HttpResponse.json({ secret: MOCK_SECRET, uri: `otpauth://totp/sso.localhost:${user.account.username}?secret=${MOCK_SECRET}&issuer=sso.localhost&algorithm=SHA1&digits=6&period=30` });
  }),

  http.post<never, TotpConfirmRequest, RecoveryCodesResponse | Problem>('*/api/account/totp/confirm', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = TotpConfirmRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (parsed.data.code !== MOCK_TOTP_CODE) return invalid();
    const codes = newCodes();
    mockDb.totpEnabled.set(user.account.id, [...codes]);
    return HttpResponse.json({ recoveryCodes: codes });
  }),

  http.post<never, SecondFactorProofRequest, SecondFactorStatus | Problem>('*/api/account/totp/disable', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = SecondFactorProofRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const codes = mockDb.totpEnabled.get(user.account.id);
    if (!codes) return problem('SECOND_FACTOR_CONFLICT');
    if (parsed.data.code !== MOCK_TOTP_CODE && !codes.includes(parsed.data.code)) return invalid();
    mockDb.totpEnabled.delete(user.account.id);
    return HttpResponse.json(status(user.account.id));
  }),

  http.post<never, SecondFactorProofRequest, RecoveryCodesResponse | Problem>('*/api/account/recovery-codes', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = SecondFactorProofRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (!mockDb.totpEnabled.has(user.account.id)) return problem('SECOND_FACTOR_CONFLICT');
    if (parsed.data.code !== MOCK_TOTP_CODE) return invalid();
    const codes = newCodes();
    mockDb.totpEnabled.set(user.account.id, [...codes]);
    return HttpResponse.json({ recoveryCodes: codes });
  }),
];
