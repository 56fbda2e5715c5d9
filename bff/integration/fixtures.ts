import { afterEach, expect } from 'vitest';
import { ProblemSchema, RecoveryCodesResponseSchema, TotpSetupResponseSchema } from '@sso/types';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { Browser, startDomain, testClock, type Domain } from './harness';

/**
 * Set-up the account and second-factor suites share (sign-in, step-up,
 * passkeys): a domain a test on its own clock, accounts signed up with one
 * password, TOTP enrolment, and small readers of answers.
 */
export const PASSWORD = 'correct horse battery';

export type DomainOptions = NonNullable<Parameters<typeof startDomain>[0]>;
export type TestClock = ReturnType<typeof testClock>;

/**
 * Call at a file's top level: `start` runs a domain whose apps read a test
 * clock; it is stopped after each test, or earlier with `stop` (a test that
 * starts several, or drops its database after).
 */
export function domainPerTest() {
  let domain: Domain | null = null;
  const stop = async () => {
    await domain?.stop();
    domain = null;
  };
  afterEach(stop);
  const start = async (options: DomainOptions = {}) => {
    const clock = testClock();
    domain = await startDomain({ ...options, app1: { now: clock.now, ...options.app1 }, app2: { now: clock.now, ...options.app2 } });
    return { d: domain, clock };
  };
  return { start, stop };
}

/** How many answers had each status, e.g. `{ 200: 1, 429: 9 }`. */
export const statuses = (results: { status: number }[]) => results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
/** The claims of the browser's domain token (not verified: the test reads what app 1 issued). */
export const claimsOf = (b: Browser) => JSON.parse(Buffer.from(b.cookie('__Secure-sso')!.split('.')[1]!, 'base64url').toString());
/** A problem+json answer's code. */
export const codeOf = (res: { body: unknown }) => ProblemSchema.parse(res.body).code;

/** A new browser signed up (with `email` when given) at app 1, so signed in with the password. */
export async function signedUp(d: Domain, username: string, email?: string) {
  const b = new Browser(d);
  expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...(email ? { email } : {}) } })).status).toBe(201);
  return b;
}

/** Turns TOTP on from the browser's session; the confirmation's time step is used up (advance the clock for the next code). */
export async function enrolTotp(b: Browser, clock: { now(): number }) {
  const setup = TotpSetupResponseSchema.parse((await b.request('app1', '/api/account/totp/setup', { json: {} })).body);
  const confirmed = await b.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now()) } });
  expect(confirmed.status).toBe(200);
  return { secret: setup.secret, recoveryCodes: RecoveryCodesResponseSchema.parse(confirmed.body).recoveryCodes };
}
