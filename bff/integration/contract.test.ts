import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import {
  EmailStatusSchema,
  ResendVerificationResponseSchema,
  UpdateProfileResponseSchema,
  AccountExportSchema,
  DeleteAccountResponseSchema,
  LoginResponseSchema,
  LogoutResponseSchema,
  MeResponseSchema,
  ProblemSchema,
  RefreshResponseSchema,
  SessionResponseSchema,
  SignedInSessionSchema,
  SignedOutSessionSchema,
  SignupResponseSchema,
  StepUpStatusSchema,
} from '@sso/types';
import { handlers } from '@sso/web-shared/mocks/handlers';
import { mockDb, resetMockDb } from '@sso/web-shared/testing-db';
import { Browser, startDomain, testClock, type Domain } from './harness';

/**
 * One scenario, run against the real BFFs and against the msw handlers the
 * SPAs are developed and tested with. Every answer must parse with the same
 * shared schema and carry the same status and error code, so the mocks
 * cannot drift from the servers unnoticed.
 */
type Step = {
  name: string;
  app: 'app1' | 'app2';
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  status: number;
  schema?: z.core.$ZodType;
  code?: string;
  reason?: string;
  /** The field a VALIDATION_FAILED or INVALID_CREDENTIALS answer must name in `errors`. */
  field?: string;
  /** What happens to the browser before this step: time passes, a cookie's lifetime ends. */
  before?: 'token-expires' | 'cookie-lifetime-ends' | 'idle-timeout-passes';
};

const steps: Step[] = [
  // A first visit: neither cookie, so nobody to renew: 200, not a 401 (ADR 015); renewal itself still refuses.
  { name: 'session before anyone signed in', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedOutSessionSchema },
  { name: 'renewal before anyone signed in', app: 'app1', method: 'POST', path: '/api/session/refresh', json: {}, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'me before anyone signed in', app: 'app2', method: 'GET', path: '/api/me', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'sign-up with bad input', app: 'app1', method: 'POST', path: '/api/signup', json: { username: 'x', password: 'short' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sign-up with a common password', app: 'app1', method: 'POST', path: '/api/signup', json: { username: 'contract', password: 'Password123' }, status: 400, code: 'VALIDATION_FAILED', field: 'password' },
  { name: 'sign-up', app: 'app1', method: 'POST', path: '/api/signup', json: { username: 'contract', password: 'correct horse battery', email: 'c@example.test', name: 'Con Tract' }, status: 201, schema: SignupResponseSchema },
  { name: 'sign-up, username taken', app: 'app1', method: 'POST', path: '/api/signup', json: { username: 'Contract', password: 'correct horse battery' }, status: 409, code: 'USERNAME_TAKEN' },
  { name: 'session', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedInSessionSchema },
  { name: 'me', app: 'app2', method: 'GET', path: '/api/me', status: 200, schema: MeResponseSchema },
  { name: 'refresh', app: 'app1', method: 'POST', path: '/api/session/refresh', json: {}, status: 200, schema: RefreshResponseSchema },
  { name: 'sign-out', app: 'app1', method: 'POST', path: '/api/logout', json: {}, status: 200, schema: LogoutResponseSchema },
  { name: 'session after sign-out', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedOutSessionSchema },
  { name: 'me after sign-out', app: 'app2', method: 'GET', path: '/api/me', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'sign-in, wrong password', app: 'app1', method: 'POST', path: '/api/login', json: { username: 'contract', password: 'wrong password' }, status: 401, code: 'INVALID_CREDENTIALS' },
  { name: 'sign-in with bad input', app: 'app1', method: 'POST', path: '/api/login', json: { username: 42 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sign-in', app: 'app1', method: 'POST', path: '/api/login', json: { username: 'CONTRACT', password: 'correct horse battery' }, status: 200, schema: LoginResponseSchema },
  // Profile and email (ADR 030): the sign-up mailed a verification link; these never use a real one.
  { name: 'email status', app: 'app1', method: 'GET', path: '/api/account/email', status: 200, schema: EmailStatusSchema },
  { name: 'name change', app: 'app1', method: 'POST', path: '/api/account/profile', json: { name: 'Con T.' }, status: 200, schema: UpdateProfileResponseSchema },
  { name: 'name change with bad input', app: 'app1', method: 'POST', path: '/api/account/profile', json: { name: '' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
  { name: 'verification resend', app: 'app1', method: 'POST', path: '/api/email/verification', json: {}, status: 202, schema: ResendVerificationResponseSchema },
  { name: 'verify with an unknown link', app: 'app1', method: 'POST', path: '/api/email/verify', json: { token: `vfy_${'A'.repeat(43)}` }, status: 400, code: 'LINK_INVALID' },
  { name: 'verify with bad input', app: 'app1', method: 'POST', path: '/api/email/verify', json: { token: 42 }, status: 400, code: 'VALIDATION_FAILED', field: 'token' },
  { name: 'email change, wrong current password', app: 'app1', method: 'POST', path: '/api/account/email', json: { email: 'new@example.test', currentPassword: 'wrong password' }, status: 401, code: 'INVALID_CREDENTIALS', field: 'currentPassword' },
  { name: 'email change to the current address', app: 'app1', method: 'POST', path: '/api/account/email', json: { email: 'c@example.test', currentPassword: 'correct horse battery' }, status: 400, code: 'VALIDATION_FAILED', field: 'email' },
  { name: 'email change', app: 'app1', method: 'POST', path: '/api/account/email', json: { email: 'new@example.test', currentPassword: 'correct horse battery' }, status: 202, schema: EmailStatusSchema },
  // Step-up (ADR 032): a password-only session, no second factor enrolled.
  { name: 'security page without a second factor', app: 'app2', method: 'GET', path: '/api/security', status: 401, code: 'STEP_UP_REQUIRED' },
  { name: 'step-up status', app: 'app1', method: 'GET', path: '/api/session/step-up?max_age=900', status: 200, schema: StepUpStatusSchema },
  { name: 'step-up status with a bad max_age', app: 'app1', method: 'GET', path: '/api/session/step-up?max_age=soon', status: 400, code: 'VALIDATION_FAILED', field: 'max_age' },
  { name: 'step-up with bad input', app: 'app1', method: 'POST', path: '/api/session/step-up', json: { password: 'correct horse battery' }, status: 400, code: 'VALIDATION_FAILED', field: 'code' },
  { name: 'step-up without a second factor', app: 'app1', method: 'POST', path: '/api/session/step-up', json: { code: '123456' }, status: 409, code: 'SECOND_FACTOR_NOT_ENROLLED' },
  { name: 'step-up passkey options without a passkey', app: 'app1', method: 'POST', path: '/api/session/step-up/passkey/options', json: {}, status: 409, code: 'SECOND_FACTOR_NOT_ENROLLED' },
  { name: 'step-up passkey with bad input', app: 'app1', method: 'POST', path: '/api/session/step-up/passkey', json: { credential: null }, status: 400, code: 'VALIDATION_FAILED', field: 'credential' },
  { name: 'password change, wrong current password', app: 'app1', method: 'POST', path: '/api/account/password', json: { currentPassword: 'wrong password', newPassword: 'a new and longer passphrase' }, status: 401, code: 'INVALID_CREDENTIALS', field: 'currentPassword' },
  { name: 'password change to a common password', app: 'app1', method: 'POST', path: '/api/account/password', json: { currentPassword: 'correct horse battery', newPassword: 'password1' }, status: 400, code: 'VALIDATION_FAILED', field: 'newPassword' },
  { name: 'password change to the current password', app: 'app1', method: 'POST', path: '/api/account/password', json: { currentPassword: 'correct horse battery', newPassword: 'correct horse battery' }, status: 400, code: 'VALIDATION_FAILED', field: 'newPassword' },
  // Sessions that last: what a browser holds after the token's lifetime.
  { name: 'me with an expired token', app: 'app2', method: 'GET', path: '/api/me', status: 401, code: 'SESSION_EXPIRED', before: 'token-expires' },
  { name: 'session with an expired token', app: 'app1', method: 'GET', path: '/api/session', status: 401, code: 'SESSION_EXPIRED' },
  { name: 'renewal with an expired token', app: 'app1', method: 'POST', path: '/api/session/refresh', json: {}, status: 200, schema: RefreshResponseSchema },
  { name: 'me after renewal', app: 'app2', method: 'GET', path: '/api/me', status: 200, schema: MeResponseSchema },
  { name: 'me without the domain cookie', app: 'app2', method: 'GET', path: '/api/me', status: 401, code: 'UNAUTHENTICATED', before: 'cookie-lifetime-ends' },
  { name: 'session without the domain cookie', app: 'app1', method: 'GET', path: '/api/session', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'renewal without the domain cookie', app: 'app1', method: 'POST', path: '/api/session/refresh', json: {}, status: 200, schema: RefreshResponseSchema },
  { name: 'session after renewal', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedInSessionSchema },
  // "Your data" and "Delete account" (ADR 034): refusals first, the deletion at the end.
  { name: 'export my data', app: 'app1', method: 'GET', path: '/api/account/export', status: 200, schema: AccountExportSchema },
  { name: 'delete with a wrong password', app: 'app1', method: 'POST', path: '/api/account/delete', json: { password: 'wrong password' }, status: 401, code: 'INVALID_CREDENTIALS', field: 'password' },
  { name: 'delete with bad input', app: 'app1', method: 'POST', path: '/api/account/delete', json: { password: 42 }, status: 400, code: 'VALIDATION_FAILED', field: 'password' },
  { name: 'renewal after the idle timeout', app: 'app1', method: 'POST', path: '/api/session/refresh', json: {}, status: 401, code: 'SESSION_ENDED', reason: 'idle', before: 'idle-timeout-passes' },
  { name: 'me after the session ended', app: 'app2', method: 'GET', path: '/api/me', status: 401, code: 'UNAUTHENTICATED' },
  // The failed renewal cleared both cookies: signed out, nothing left to renew.
  { name: 'session after the session ended', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedOutSessionSchema },
  { name: 'export when signed out', app: 'app1', method: 'GET', path: '/api/account/export', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'sign-in to delete', app: 'app1', method: 'POST', path: '/api/login', json: { username: 'contract', password: 'correct horse battery' }, status: 200, schema: LoginResponseSchema },
  { name: 'delete the account', app: 'app1', method: 'POST', path: '/api/account/delete', json: { password: 'correct horse battery' }, status: 200, schema: DeleteAccountResponseSchema },
  { name: 'session after deletion', app: 'app1', method: 'GET', path: '/api/session', status: 200, schema: SignedOutSessionSchema },
  { name: 'sign-in after deletion', app: 'app1', method: 'POST', path: '/api/login', json: { username: 'contract', password: 'correct horse battery' }, status: 401, code: 'INVALID_CREDENTIALS' },
];

interface Answer {
  status: number;
  body: unknown;
}

function check(step: Step, answer: Answer) {
  expect(answer.status, step.name).toBe(step.status);
  if (step.schema) {
    const parsed = z.safeParse(step.schema, answer.body);
    expect(parsed.success, `${step.name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    // SPA 1 parses both session answers with the one schema.
    if (step.path === '/api/session') expect(SessionResponseSchema.safeParse(answer.body).success, step.name).toBe(true);
  } else {
    const problem = ProblemSchema.parse(answer.body);
    expect(problem.code, step.name).toBe(step.code);
    if (step.reason) expect(problem.reason, step.name).toBe(step.reason);
    if (step.field) expect(Object.keys(problem.errors ?? {}), step.name).toEqual([step.field]);
  }
}

describe('contract: the session answer SPA 1 parses', () => {
  const user = { id: 'usr_1', username: 'ada', email: null, emailVerified: false, name: null, createdAt: '2026-01-01T00:00:00.000Z', groups: [] };
  const at = '2026-01-01T00:10:00.000Z';
  const session = { id: 'ses_1', createdAt: at, tokenExpiresAt: at, idleExpiresAt: at, absoluteExpiresAt: at };

  it('takes a user with a session, or no user and no session, and nothing in between', () => {
    expect(SessionResponseSchema.safeParse({ user, session }).success).toBe(true);
    expect(SessionResponseSchema.safeParse({ user: null }).success).toBe(true);
    expect(SessionResponseSchema.safeParse({ user }).success).toBe(false);
    expect(SessionResponseSchema.safeParse({ user: null, session }).success).toBe(false);
    expect(SessionResponseSchema.safeParse({}).success).toBe(false);
  });

  it('the two shapes do not pass for each other', () => {
    expect(SignedOutSessionSchema.safeParse({ user, session }).success).toBe(false);
    expect(SignedInSessionSchema.safeParse({ user: null }).success).toBe(false);
  });
});

const real = new Map<string, Answer>();
const mocked = new Map<string, Answer>();

describe('contract: real BFFs and msw mocks answer alike', () => {
  let domain: Domain;
  beforeAll(async () => {
    const clock = testClock();
    domain = await startDomain({ app1: { now: clock.now }, app2: { now: clock.now } });
    const b = new Browser(domain);
    for (const step of steps) {
      if (step.name === 'me after sign-out') await domain.app2!.revocations.sync();
      if (step.before === 'token-expires') clock.advance(611_000); // 10 min token + 5 s tolerance
      if (step.before === 'cookie-lifetime-ends') b.drop('__Secure-sso');
      if (step.before === 'idle-timeout-passes') clock.advance(1_801_000); // 30 min idle timeout
      const res = await b.request(step.app, step.path, { method: step.method, ...(step.json !== undefined ? { json: step.json } : {}) });
      real.set(step.name, { status: res.status, body: res.body });
    }
    await domain.stop();

    const server = setupServer(...handlers);
    server.listen({ onUnhandledRequest: 'error' });
    resetMockDb('signed-out');
    try {
      for (const step of steps) {
        if (step.before === 'token-expires') mockDb.token = 'expired';
        if (step.before === 'cookie-lifetime-ends') mockDb.token = 'absent';
        if (step.before === 'idle-timeout-passes') mockDb.sessionEnded = 'idle';
        const origin = step.app === 'app1' ? 'http://app1.sso.localhost:5171' : 'http://app2.sso.localhost:5172';
        const res = await fetch(`${origin}${step.path}`, {
          method: step.method,
          headers: step.json !== undefined ? { 'content-type': 'application/json' } : {},
          body: step.json !== undefined ? JSON.stringify(step.json) : undefined,
        });
        mocked.set(step.name, { status: res.status, body: await res.json() });
      }
    } finally {
      server.close();
    }
  });
  afterAll(() => undefined);

  it.each(steps.map((s) => [s.name, s] as const))('%s: the real BFF answers per the shared schema', (_name, step) => {
    check(step, real.get(step.name)!);
  });

  it.each(steps.map((s) => [s.name, s] as const))('%s: the msw mock answers the same', (_name, step) => {
    check(step, mocked.get(step.name)!);
  });
});
