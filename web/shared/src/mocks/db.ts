import type { Account, DeviceSession, Passkey, SessionEndReason } from '@sso/types';

/**
 * Scenarios selectable in `npm run dev:mock` with `?mock=<name>`. Each starts
 * the mocks in the state a real browser would be in, and shows on the page it
 * lands on (MOCK_SCENARIO_NOTES says what to expect). The state then carries
 * on across reloads and across both apps (see mock-state.ts).
 */
export const MOCK_SCENARIOS = [
  'default',
  'signed-out',
  'expired',
  'cookie-gone',
  'session-ended',
  'rotated',
  'throttled',
  'unavailable',
  'slow',
  'reset-expired',
  'reset-used',
  'unverified',
  'verify-required',
  'verify-expired',
  'verify-used',
] as const;
export type MockScenario = (typeof MOCK_SCENARIOS)[number];

/** What each scenario shows on the page you land on (printed by the mock-mode panel). */
export const MOCK_SCENARIO_NOTES: Record<MockScenario, string> = {
  default: 'signed in as demo: both apps show the account.',
  'signed-out': 'nobody is signed in: both apps end on app 1\'s sign-in form (demo / demo-password), which sends you back.',
  expired: 'the domain cookie holds an expired token (SESSION_EXPIRED); the session lives, so one renewal and the page shows.',
  'cookie-gone': 'no domain cookie (UNAUTHENTICATED); the session lives, so one renewal and the page shows.',
  'session-ended': 'the session ended (idle): renewal fails and the sign-in form says why.',
  rotated: 'app 1 rotated its key: app 2\'s first check refetches the key set (slower), then the profile shows, no renewal.',
  throttled: 'signed out, and every sign-in is throttled: the form answers 429 with the time to wait.',
  unavailable: 'the identity app is down: app 1\'s API does not answer (error on the page), app 2 answers 503 IDENTITY_UNAVAILABLE.',
  slow: 'signed in; every answer takes 1.5 s, so the loading states show.',
  'reset-expired': 'signed out; every reset link has expired: /reset-password#token=rst_mock-demo answers LINK_EXPIRED.',
  'reset-used': 'signed out; every reset link was already used: /reset-password#token=rst_mock-demo answers LINK_USED.',
  unverified: "signed in as demo, whose address is not verified: the account page offers a new link; /verify-email#token=vfy_mock-demo verifies it.",
  'verify-required': 'signed out, SSO_REQUIRE_VERIFIED_EMAIL on and demo unverified: signing in leads to "check your inbox"; /verify-email#token=vfy_mock-demo, then sign in.',
  'verify-expired': 'every email link has expired: /verify-email#token=vfy_mock-demo answers LINK_EXPIRED.',
  'verify-used': 'every email link was already used: /verify-email#token=vfy_mock-demo answers LINK_USED.',
};

/** The demo user's verification link in the mocks: /verify-email#token=vfy_mock-demo works once. An email change issues `chg_mock-<username>`. */
export const MOCK_VERIFY_TOKEN = 'vfy_mock-demo';

/**
 * The token of the demo user's reset link in the mocks (BFF 1 mails a random
 * one): /reset-password#token=rst_mock-demo works once. Any other token is
 * LINK_INVALID.
 */
export const MOCK_RESET_TOKEN = 'rst_mock-demo';

export const isMockScenario = (value: unknown): value is MockScenario => (MOCK_SCENARIOS as readonly unknown[]).includes(value);

export interface MockUser {
  account: Account;
  password: string;
}

const DEMO: MockUser = {
  account: { id: 'usr_demo', username: 'demo', email: 'demo@example.test', emailVerified: true, name: 'Demo User', createdAt: '2026-01-15T09:30:00.000Z', groups: ['staff'] },
  password: 'demo-password',
};

/** The mocks' in-memory state: users, who is signed in, what the domain cookie holds, whether the session ended. */
export const mockDb = {
  users: new Map<string, MockUser>(),
  /** Whose session the browser's refresh cookie belongs to. */
  signedInUserId: null as string | null,
  /** What the domain cookie holds: a valid token, an expired one, or nothing. */
  token: 'valid' as 'valid' | 'expired' | 'absent',
  /** Set when the session is over: renewal fails with this reason. */
  sessionEnded: null as SessionEndReason | null,
  /** Renewals answered, so tests can count them. */
  renewals: 0,
  tokenExpiresAt: new Date(Date.now() + 600_000).toISOString(),
  keysRefetched: false,
  scenario: 'default' as MockScenario,
  sessionCreatedAt: Date.now(),
  /** When app 2 first saw each user (its JIT record). */
  provisionedAt: new Map<string, string>(),
  /** The signed-in account's other live sessions ("your devices"); this device is listed from the session itself. */
  otherDevices: [] as DeviceSession[],
  /** Users with TOTP on (the mock's valid code is MOCK_TOTP_CODE), and their unused recovery codes. */
  totpEnabled: new Map<string, string[]>(),
  /** Each user's passkeys (the mocks accept any credential of the right shape). */
  passkeys: new Map<string, Passkey[]>(),
  /** The user whose password passed and whose second factor is due. */
  pendingSecondFactor: null as string | null,
  /** When this session last proved a second factor (ms; sign-in with a code, or a step-up); null: password only. */
  secondFactorAt: null as number | null,
  /** Reset tokens not yet used, by token: whose password they set (a forgot request for a user with an email issues MOCK_RESET_TOKEN). */
  resetTokens: new Map<string, string>(),
  /** Reset tokens already used: a second try is LINK_USED, as at BFF 1. */
  usedResetTokens: new Set<string>(),
  /** SSO_REQUIRE_VERIFIED_EMAIL as BFF 1 has it (ADR 030). */
  requireVerifiedEmail: false,
  /** The user in the "check your inbox" step (password passed, address unverified, no session). */
  pendingVerification: null as string | null,
  /** Unused email links, by token: whose, and which address they confirm (`change`: a new one). */
  emailTokens: new Map<string, { username: string; email: string; change: boolean; expiresAt: string }>(),
  usedEmailTokens: new Set<string>(),
};

/** The one code the mocks' authenticator app ever shows. */
export const MOCK_TOTP_CODE = '123456';

/** Two other browsers of the demo account, for the account page's "your devices". */
function demoOtherDevices(now: number): DeviceSession[] {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  return [
    { id: 'ses_mock_phone', browser: 'Safari 18', os: 'iOS 18.1', address: '198.51.100.23', createdAt: at(26 * 60), lastActiveAt: at(12), current: false },
    { id: 'ses_mock_laptop', browser: 'Firefox 140', os: 'Windows 10', address: '203.0.113.7', createdAt: at(3 * 24 * 60), lastActiveAt: at(4 * 60), current: false },
  ];
}

/** Scenarios that start with nobody signed in. */
const SIGNED_OUT: readonly MockScenario[] = ['signed-out', 'throttled', 'reset-expired', 'reset-used', 'verify-required'];

/** Starts `scenario` (default: the happy path, the demo user exists and is signed in). */
export function resetMockDb(scenario: MockScenario = 'default'): void {
  mockDb.users = new Map([[DEMO.account.username, structuredClone(DEMO)]]);
  mockDb.signedInUserId = SIGNED_OUT.includes(scenario) ? null : DEMO.account.id;
  mockDb.token = scenario === 'expired' ? 'expired' : scenario === 'cookie-gone' || scenario === 'session-ended' || SIGNED_OUT.includes(scenario) ? 'absent' : 'valid';
  mockDb.sessionEnded = scenario === 'session-ended' ? 'idle' : null;
  mockDb.renewals = 0;
  mockDb.tokenExpiresAt = new Date(Date.now() + 600_000).toISOString();
  mockDb.keysRefetched = false;
  mockDb.scenario = scenario;
  mockDb.sessionCreatedAt = Date.now();
  mockDb.provisionedAt = new Map();
  mockDb.otherDevices = demoOtherDevices(Date.now());
  mockDb.totpEnabled = new Map();
  mockDb.passkeys = new Map();
  mockDb.pendingSecondFactor = null;
  mockDb.secondFactorAt = null;
  mockDb.resetTokens = new Map([[MOCK_RESET_TOKEN, DEMO.account.username]]);
  mockDb.usedResetTokens = new Set();
  const unverified = scenario === 'unverified' || scenario === 'verify-required';
  if (unverified) mockDb.users.get('demo')!.account.emailVerified = false;
  mockDb.requireVerifiedEmail = scenario === 'verify-required';
  mockDb.pendingVerification = null;
  mockDb.emailTokens = new Map(unverified ? [[MOCK_VERIFY_TOKEN, { username: 'demo', email: DEMO.account.email!, change: false, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }]] : []);
  mockDb.usedEmailTokens = new Set();
}

/** The mocks' state as plain JSON, for the browser to keep between page loads (mock-state.ts). */
export interface MockDbSnapshot {
  users: MockUser[];
  signedInUserId: string | null;
  token: 'valid' | 'expired' | 'absent';
  sessionEnded: SessionEndReason | null;
  renewals: number;
  tokenExpiresAt: string;
  keysRefetched: boolean;
  scenario: MockScenario;
  sessionCreatedAt: number;
  provisionedAt: [string, string][];
  otherDevices?: DeviceSession[];
  pendingVerification?: string | null;
  secondFactorAt?: number | null;
}

export function snapshotMockDb(): MockDbSnapshot {
  return {
    users: [...mockDb.users.values()],
    signedInUserId: mockDb.signedInUserId,
    token: mockDb.token,
    sessionEnded: mockDb.sessionEnded,
    renewals: mockDb.renewals,
    tokenExpiresAt: mockDb.tokenExpiresAt,
    keysRefetched: mockDb.keysRefetched,
    scenario: mockDb.scenario,
    sessionCreatedAt: mockDb.sessionCreatedAt,
    provisionedAt: [...mockDb.provisionedAt],
    otherDevices: mockDb.otherDevices,
    pendingVerification: mockDb.pendingVerification,
    secondFactorAt: mockDb.secondFactorAt,
  };
}

export function restoreMockDb(snapshot: MockDbSnapshot): void {
  Object.assign(mockDb, {
    ...snapshot,
    users: new Map(snapshot.users.map((u) => [u.account.username, structuredClone(u)])),
    provisionedAt: new Map(snapshot.provisionedAt),
    otherDevices: snapshot.otherDevices ?? [],
    pendingVerification: snapshot.pendingVerification ?? null,
    requireVerifiedEmail: snapshot.scenario === 'verify-required',
    secondFactorAt: snapshot.secondFactorAt ?? null,
  });
}

/** The user whose valid token the browser holds, if any. */
export function tokenUser(): MockUser | null {
  return mockDb.token === 'valid' ? signedInUser() : null;
}

export function signedInUser(): MockUser | null {
  for (const user of mockDb.users.values()) if (user.account.id === mockDb.signedInUserId) return user;
  return null;
}

resetMockDb();
