import { http, HttpResponse } from 'msw';
import {
  PasskeyLoginRequestSchema,
  PasskeyRegisterRequestSchema,
  PasskeyRemoveRequestSchema,
  PasskeyRenameRequestSchema,
  type LoginResponse,
  type PasskeyList,
  type PasskeyLoginRequest,
  type PasskeyOptionsResponse,
  type PasskeyRegisterRequest,
  type PasskeyRemoveRequest,
  type PasskeyRenameRequest,
  type PasskeyResponse,
  type Problem,
  type SecondFactorChallenge,
} from '@sso/types';
import { mockDb, tokenUser } from './db';
import { problem, redirectFor, signIn, validationProblem } from './handlers';
import { recentAuthProblem } from './step-up-handlers';

/** The methods BFF 1 offers a pending sign-in: passkeys serve as a second factor once TOTP is on. */
export function pendingMethods(userId: string): SecondFactorChallenge['secondFactor']['methods'] {
  const codes = mockDb.totpEnabled.get(userId) ?? [];
  return ['totp', ...(codes.length ? (['recovery-code'] as const) : []), ...(mockDb.passkeys.get(userId)?.length ? (['passkey'] as const) : [])];
}

const RP_ID = 'app1.sso.localhost';
const challenge = () => `mock-challenge-${Math.random().toString(36).slice(2)}`;
const userOf = (id: string | null) => [...mockDb.users.values()].find((u) => u.account.id === id) ?? null;
/** Which account a credential id belongs to, across every user's passkeys. */
const ownerOf = (credentialId: string) => [...mockDb.passkeys].find(([, keys]) => keys.some((k) => k.id === credentialId))?.[0] ?? null;

/**
 * BFF 1's passkey API. The mocks check shapes, not signatures: any
 * credential of the right form registers, and signs in as the account whose
 * passkey has that id (the demo account when none has it).
 */
export const passkeyHandlers = [
  http.get<never, never, PasskeyList | Problem>('*/api/account/passkeys', () => {
    const user = tokenUser();
    return user ? HttpResponse.json({ passkeys: mockDb.passkeys.get(user.account.id) ?? [] }) : problem('UNAUTHENTICATED');
  }),

  http.post<never, never, PasskeyOptionsResponse | Problem>('*/api/account/passkeys/options', () => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    return HttpResponse.json({
      options: {
        challenge: challenge(),
        rp: { name: 'sso.localhost', id: RP_ID },
        user: { id: btoa(user.account.id).replaceAll('=', ''), name: user.account.username, displayName: user.account.name ?? user.account.username },
        pubKeyCredParams: [{ alg: -8, type: 'public-key' }, { alg: -7, type: 'public-key' }, { alg: -257, type: 'public-key' }],
        timeout: 120_000,
        attestation: 'none',
        excludeCredentials: (mockDb.passkeys.get(user.account.id) ?? []).map((p) => ({ id: p.id, type: 'public-key' })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      },
    });
  }),

  http.post<never, PasskeyRegisterRequest, PasskeyResponse | Problem>('*/api/account/passkeys', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = PasskeyRegisterRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (ownerOf(parsed.data.credential.id)) return problem('SECOND_FACTOR_CONFLICT', { detail: 'That passkey is registered already.' });
    const passkey = { id: parsed.data.credential.id, name: parsed.data.name, createdAt: new Date().toISOString(), lastUsedAt: null, synced: false };
    mockDb.passkeys.set(user.account.id, [...(mockDb.passkeys.get(user.account.id) ?? []), passkey]);
    return HttpResponse.json({ passkey }, { status: 201 });
  }),

  http.post<never, PasskeyRenameRequest, PasskeyResponse | Problem>('*/api/account/passkeys/rename', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = PasskeyRenameRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const mine = mockDb.passkeys.get(user.account.id) ?? [];
    const at = mine.findIndex((p) => p.id === parsed.data.id);
    if (at < 0) return problem('NOT_FOUND', { detail: 'There is no such passkey on this account.' });
    mine[at] = { ...mine[at]!, name: parsed.data.name };
    return HttpResponse.json({ passkey: mine[at]! });
  }),

  http.post<never, PasskeyRemoveRequest, PasskeyList | Problem>('*/api/account/passkeys/remove', async ({ request }) => {
    const user = tokenUser();
    if (!user) return problem('UNAUTHENTICATED');
    const parsed = PasskeyRemoveRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const notRecent = recentAuthProblem(user.account.id);
    if (notRecent) return notRecent;
    const mine = mockDb.passkeys.get(user.account.id) ?? [];
    if (!mine.some((p) => p.id === parsed.data.id)) return problem('NOT_FOUND', { detail: 'There is no such passkey on this account.' });
    const left = mine.filter((p) => p.id !== parsed.data.id);
    mockDb.passkeys.set(user.account.id, left);
    return HttpResponse.json({ passkeys: left });
  }),

  http.post<never, never, PasskeyOptionsResponse | Problem>('*/api/login/passkey/options', () =>
    HttpResponse.json({ options: { challenge: challenge(), rpId: RP_ID, timeout: 120_000, userVerification: 'required' } }),
  ),

  http.post<never, PasskeyLoginRequest, LoginResponse | Problem>('*/api/login/passkey', async ({ request }) => {
    const parsed = PasskeyLoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    if (mockDb.scenario === 'throttled') return problem('RATE_LIMITED', { detail: 'Too many sign-in attempts. Try again later.', retryAfter: 42 });
    const user = userOf(ownerOf(parsed.data.credential.id) ?? 'usr_demo');
    if (!user) return problem('PASSKEY_REFUSED');
    signIn(user.account.id);
    return HttpResponse.json({ user: user.account, redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin) });
  }),

  http.get<never, never, SecondFactorChallenge | Problem>('*/api/login/second-factor', () => {
    const user = userOf(mockDb.pendingSecondFactor);
    if (!user) return problem('SECOND_FACTOR_EXPIRED');
    return HttpResponse.json({ secondFactor: { methods: pendingMethods(user.account.id), expiresAt: new Date(Date.now() + 300_000).toISOString() } });
  }),

  http.post<never, never, PasskeyOptionsResponse | Problem>('*/api/login/second-factor/passkey/options', () => {
    const user = userOf(mockDb.pendingSecondFactor);
    if (!user) return problem('SECOND_FACTOR_EXPIRED');
    const mine = mockDb.passkeys.get(user.account.id) ?? [];
    if (!mine.length) return problem('SECOND_FACTOR_CONFLICT');
    return HttpResponse.json({ options: { challenge: challenge(), rpId: RP_ID, timeout: 120_000, userVerification: 'preferred', allowCredentials: mine.map((p) => ({ id: p.id, type: 'public-key' })) } });
  }),

  http.post<never, PasskeyLoginRequest, LoginResponse | Problem>('*/api/login/second-factor/passkey', async ({ request }) => {
    const parsed = PasskeyLoginRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return validationProblem(parsed.error);
    const user = userOf(mockDb.pendingSecondFactor);
    if (!user) return problem('SECOND_FACTOR_EXPIRED');
    if (!(mockDb.passkeys.get(user.account.id) ?? []).some((p) => p.id === parsed.data.credential.id)) return problem('PASSKEY_REFUSED');
    mockDb.pendingSecondFactor = null;
    signIn(user.account.id);
    return HttpResponse.json({ user: user.account, redirectTo: redirectFor(parsed.data.returnTo, new URL(request.url).origin) });
  }),
];
