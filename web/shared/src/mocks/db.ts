import type { Account, SessionEndReason } from '@sso/types';

/**
 * Scenarios selectable in `npm run dev:mock` with `?mock=<name>` (kept for
 * the tab). Each reproduces what a real browser gets:
 * - `expired`: the domain cookie holds an expired token (SESSION_EXPIRED); the session lives, so renewal succeeds.
 * - `cookie-gone`: no domain cookie at all (UNAUTHENTICATED); the session lives, so renewal succeeds.
 * - `session-ended`: no valid token and the session ended (idle): renewal answers SESSION_ENDED with the reason.
 * - `rotated`: app 1 rotated its key; app 2's first check refetches the key set (slower), and succeeds.
 */
export const MOCK_SCENARIOS = ['default', 'signed-out', 'expired', 'cookie-gone', 'session-ended', 'rotated', 'throttled', 'unavailable', 'slow'] as const;
export type MockScenario = (typeof MOCK_SCENARIOS)[number];

interface MockUser {
  account: Account;
  password: string;
}

const DEMO: MockUser = {
  account: { id: 'usr_demo', username: 'demo', email: 'demo@example.test', name: 'Demo User', createdAt: '2026-01-15T09:30:00.000Z' },
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
};

/** Back to the happy path: the demo user exists and is signed in. */
export function resetMockDb(scenario: MockScenario = 'default'): void {
  mockDb.users = new Map([[DEMO.account.username, structuredClone(DEMO)]]);
  mockDb.signedInUserId = scenario === 'signed-out' ? null : DEMO.account.id;
  mockDb.token = scenario === 'expired' ? 'expired' : scenario === 'cookie-gone' || scenario === 'session-ended' || scenario === 'signed-out' ? 'absent' : 'valid';
  mockDb.sessionEnded = scenario === 'session-ended' ? 'idle' : null;
  mockDb.renewals = 0;
  mockDb.tokenExpiresAt = new Date(Date.now() + 600_000).toISOString();
  mockDb.keysRefetched = false;
  mockDb.scenario = scenario;
  mockDb.sessionCreatedAt = Date.now();
  mockDb.provisionedAt = new Map();
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
