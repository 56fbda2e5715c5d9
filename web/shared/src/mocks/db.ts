import type { Account } from '@sso/types';

/** Error scenarios selectable in `npm run dev:mock` with `?mock=<name>` (kept for the tab). */
export const MOCK_SCENARIOS = ['default', 'signed-out', 'expired', 'throttled', 'unavailable', 'slow'] as const;
export type MockScenario = (typeof MOCK_SCENARIOS)[number];

interface MockUser {
  account: Account;
  password: string;
}

const DEMO: MockUser = {
  account: { id: 'usr_demo', username: 'demo', email: 'demo@example.test', name: 'Demo User', createdAt: '2026-01-15T09:30:00.000Z' },
  password: 'demo-password',
};

/** The mocks' in-memory state: users, who is signed in, whether the token has expired. */
export const mockDb = {
  users: new Map<string, MockUser>(),
  signedInUserId: null as string | null,
  tokenExpired: false,
  scenario: 'default' as MockScenario,
  sessionCreatedAt: Date.now(),
  /** When app 2 first saw each user (its JIT record). */
  provisionedAt: new Map<string, string>(),
};

/** Back to the happy path: the demo user exists and is signed in. */
export function resetMockDb(scenario: MockScenario = 'default'): void {
  mockDb.users = new Map([[DEMO.account.username, structuredClone(DEMO)]]);
  mockDb.signedInUserId = scenario === 'signed-out' ? null : DEMO.account.id;
  mockDb.tokenExpired = scenario === 'expired';
  mockDb.scenario = scenario;
  mockDb.sessionCreatedAt = Date.now();
  mockDb.provisionedAt = new Map();
}

export function signedInUser(): MockUser | null {
  for (const user of mockDb.users.values()) if (user.account.id === mockDb.signedInUserId) return user;
  return null;
}

resetMockDb();
