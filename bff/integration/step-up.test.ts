import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ProblemSchema, SecurityResponseSchema, StepUpResponseSchema, StepUpStatusSchema } from '@sso/types';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { claimsOf, codeOf, domainPerTest, enrolTotp, PASSWORD, signedUp, type TestClock } from './fixtures';
import { Browser, type Domain } from './harness';

/**
 * Step-up and recent authentication (ADR 032) against the real BFFs: app 2's
 * security page needs a second factor proved within its maxAuthAge; app 1
 * takes the second factor only (never the password) for a live session,
 * marks amr and auth_time, and asks again before a sensitive action.
 */
const MAX_AUTH_AGE = 900; // app 2's default APP2_SECURITY_MAX_AUTH_AGE
const { start } = domainPerTest();

/** Signs up (a password-only session) and then turns TOTP on from that session: the step-up case. */
async function signedUpThenEnrolled(d: Domain, clock: TestClock, username: string) {
  const b = await signedUp(d, username);
  const { secret, recoveryCodes } = await enrolTotp(b, clock);
  // The next code is of a later step (the confirmation's step is used up).
  clock.advance(30_000);
  return { b, secret, recoveryCodes };
}

/** A browser's page navigation to app 2 (fetch would send Sec-Fetch-Mode: cors). */
function navigate(d: Domain, b: Browser, pathname: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const cookie = b.cookieHeader('app2');
    const req = http.get(`${d.urls.app2}${pathname}`, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', ...(cookie ? { cookie } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', reject);
  });
}

const stepUp = (b: Browser, code: string, returnTo?: string) => b.request('app1', '/api/session/step-up', { json: { code, ...(returnTo ? { returnTo } : {}) } });

describe('a relying app that requires a second factor (app 2 /api/security)', () => {
  it('answers a password-only session STEP_UP_REQUIRED with the step-up URL to fetch, and 303s a page to app 1 step-up (never the sign-in form)', async () => {
    const { d } = await start();
    const b = new Browser(d);
    await b.request('app1', '/api/signup', { json: { username: 'pwdonly', password: PASSWORD } });
    expect((await b.request('app2', '/api/me')).status).toBe(200);

    const api = await b.request('app2', '/api/security');
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const problem = ProblemSchema.parse(api.body);
    expect(problem.code).toBe('STEP_UP_REQUIRED');
    expect(problem.stepUpUrl).toBe(`${d.origins.app1}/login/step-up?max_age=${MAX_AUTH_AGE}`);

    const page = await navigate(d, b, '/security');
    expect(page.status).toBe(303);
    const to = new URL(page.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${d.origins.app1}/login/step-up`);
    expect(to.searchParams.get('returnTo')).toBe(`${d.origins.app2}/security`);
    expect(to.searchParams.get('max_age')).toBe(String(MAX_AUTH_AGE));

    // Without any token, the page still goes to sign in (renewal), and the API answers UNAUTHENTICATED.
    const stranger = new Browser(d);
    expect(codeOf(await stranger.request('app2', '/api/security'))).toBe('UNAUTHENTICATED');
    const signIn = await navigate(d, stranger, '/security');
    expect(new URL(signIn.location!).pathname).toBe('/login');
  });

  it('step-up with a TOTP code marks amr otp+mfa and a fresh auth_time, rotates the refresh cookie, and the security page opens', async () => {
    const { d, clock } = await start();
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'stepper');
    const before = claimsOf(b);
    expect(before.amr).toEqual(['pwd']);
    const refreshBefore = b.cookie('__Host-sso-refresh');
    const returnTo = `${d.origins.app2}/security`;

    const status = await b.request('app1', `/api/session/step-up?max_age=${MAX_AUTH_AGE}&returnTo=${encodeURIComponent(returnTo)}`);
    expect(StepUpStatusSchema.parse(status.body)).toEqual({ methods: ['totp', 'recovery-code'], satisfied: false, redirectTo: returnTo, username: 'stepper' });

    const code = totpCodeAt(secret, clock.now());
    const done = await stepUp(b, code, returnTo);
    expect(done.status).toBe(200);
    expect(StepUpResponseSchema.parse(done.body).redirectTo).toBe(returnTo);
    const after = claimsOf(b);
    expect(after.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(after.sid).toBe(before.sid);
    expect(Math.abs(after.auth_time - clock.now() / 1000)).toBeLessThan(2);
    expect(after.auth_time).toBeGreaterThan(before.auth_time + 25);
    expect(b.cookie('__Host-sso-refresh')).not.toBe(refreshBefore);

    const security = await b.request('app2', '/api/security');
    expect(security.status).toBe(200);
    expect(SecurityResponseSchema.parse(security.body)).toMatchObject({ username: 'stepper', amr: ['pwd', 'otp', 'mfa'] });
    expect((await navigate(d, b, '/security')).status).not.toBe(303);
    expect(StepUpStatusSchema.parse((await b.request('app1', `/api/session/step-up?max_age=${MAX_AUTH_AGE}`)).body).satisfied).toBe(true);

    // The same code again is refused (a code works once), and so is an unknown one.
    expect(codeOf(await stepUp(b, code))).toBe('INVALID_SECOND_FACTOR');
    // The session's renewals keep the step-up.
    clock.advance(601_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(claimsOf(b)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: after.auth_time });
  });

  it('a recovery code steps up too (and is used up)', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b, recoveryCodes } = await signedUpThenEnrolled(d, clock, 'byrecovery');
    expect((await stepUp(b, recoveryCodes[0]!)).status).toBe(200);
    expect(claimsOf(b).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(codeOf(await stepUp(b, recoveryCodes[0]!))).toBe('INVALID_SECOND_FACTOR');
  });

  it('maxAuthAge: the security page opens up to its limit and asks for a step-up past it (injected clock), across renewals', async () => {
    const { d, clock } = await start();
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'aging');
    expect((await stepUp(b, totpCodeAt(secret, clock.now()))).status).toBe(200);
    clock.advance((MAX_AUTH_AGE - 10) * 1000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect((await b.request('app2', '/api/security')).status).toBe(200);
    // The step-up page would not send the browser straight back this close to the limit (margin).
    expect(StepUpStatusSchema.parse((await b.request('app1', `/api/session/step-up?max_age=${MAX_AUTH_AGE}`)).body).satisfied).toBe(false);
    clock.advance(20_000);
    const past = await b.request('app2', '/api/security');
    expect(past.status).toBe(401);
    expect(codeOf(past)).toBe('STEP_UP_REQUIRED');
    // A second step-up makes it fresh again.
    expect((await stepUp(b, totpCodeAt(secret, clock.now()))).status).toBe(200);
    expect((await b.request('app2', '/api/security')).status).toBe(200);
  });
});

describe('POST /api/session/step-up', () => {
  it('takes the second factor only: a password is a validation error, and no session means 401', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b } = await signedUpThenEnrolled(d, clock, 'onlycode');
    const withPassword = await b.request('app1', '/api/session/step-up', { json: { password: PASSWORD } });
    expect(withPassword.status).toBe(400);
    expect(codeOf(withPassword)).toBe('VALIDATION_FAILED');
    expect(claimsOf(b).amr).toEqual(['pwd']);
    const anonymous = await new Browser(d).request('app1', '/api/session/step-up', { json: { code: '123456' } });
    expect(anonymous.status).toBe(401);
  });

  it('is refused from a sibling app origin (FORBIDDEN_ORIGIN) and from a foreign one, even with a right code', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'origins');
    const code = totpCodeAt(secret, clock.now());
    for (const origin of [d.origins.app2, 'http://evil.test']) {
      const res = await b.request('app1', '/api/session/step-up', { json: { code }, origin });
      expect(res.status).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN_ORIGIN');
    }
    expect(claimsOf(b).amr).toEqual(['pwd']);
    expect((await stepUp(b, code)).status).toBe(200);
  });

  it('a person with no second factor gets SECOND_FACTOR_NOT_ENROLLED and an empty method list', async () => {
    const { d } = await start({ withApp2: false });
    const b = new Browser(d);
    await b.request('app1', '/api/signup', { json: { username: 'nofactor', password: PASSWORD } });
    expect(StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up')).body)).toMatchObject({ methods: [], satisfied: false });
    const res = await stepUp(b, '123456');
    expect(res.status).toBe(409);
    expect(codeOf(res)).toBe('SECOND_FACTOR_NOT_ENROLLED');
  });

  it('a burst of 20 wrong codes at once gets exactly the account limit of tries (10), then even the right code waits', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'burst');
    const right = totpCodeAt(secret, clock.now());
    const wrong = right === '000000' ? '000001' : '000000';
    const results = await Promise.all(Array.from({ length: 20 }, () => stepUp(b, wrong)));
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === 'INVALID_SECOND_FACTOR')).toHaveLength(10);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(10);
    const blocked = await stepUp(b, right);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(claimsOf(b).amr).toEqual(['pwd']);
  });

  it('checks max_age and returnTo: a bad max_age is a 400, a foreign returnTo goes to the account page', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'query');
    expect((await b.request('app1', '/api/session/step-up?max_age=soon')).status).toBe(400);
    expect((await b.request('app1', '/api/session/step-up?max_age=0')).status).toBe(400);
    const done = await stepUp(b, totpCodeAt(secret, clock.now()), 'https://evil.test/x');
    expect(StepUpResponseSchema.parse(done.body).redirectTo).toBe(`${d.origins.app1}/account`);
  });
});

describe('GET /login/step-up (the page)', () => {
  it('with no valid token it goes to /login first (which renews, or shows the form), returning to the step-up page', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b } = await signedUpThenEnrolled(d, clock, 'pagefirst');
    const path = `/login/step-up?returnTo=${encodeURIComponent(`${d.origins.app2}/security`)}&max_age=900`;
    const anonymous = await new Browser(d).request('app1', path);
    expect(anonymous.status).toBe(303);
    const login = new URL(anonymous.headers.get('location')!, d.origins.app1);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('returnTo')).toBe(`${d.origins.app1}${path}`);
    // A live session whose token expired: /login renews and sends the browser straight back here.
    clock.advance(601_000);
    const expired = await b.request('app1', path);
    expect(expired.status).toBe(303);
    const renew = await b.request('app1', `${new URL(expired.headers.get('location')!, d.origins.app1).pathname}${new URL(expired.headers.get('location')!, d.origins.app1).search}`);
    expect(renew.status).toBe(303);
    expect(renew.headers.get('location')).toBe(`${d.origins.app1}${path}`);
    // With a valid token, the page itself (here: the SPA is not built, 503) rather than a redirect.
    expect((await b.request('app1', path)).status).not.toBe(303);
  });
});

describe('recent authentication (app 1 sensitive actions)', () => {
  const changePassword = (b: Browser, newPassword: string, currentPassword = PASSWORD) => b.request('app1', '/api/account/password', { json: { currentPassword, newPassword } });

  it('with a second factor enrolled, a password change past SSO_RECENT_AUTH_MAX_AGE is refused until a step-up; right after one it works', async () => {
    const { d, clock } = await start({ withApp2: false, env: { SSO_RECENT_AUTH_MAX_AGE: '600' } });
    const { b, secret } = await signedUpThenEnrolled(d, clock, 'sensitive');
    // The session signed in with the password only (before TOTP was on): not enough for the account now.
    const refused = await changePassword(b, 'a brand new passphrase');
    expect(refused.status).toBe(401);
    const problem = ProblemSchema.parse(refused.body);
    expect(problem.code).toBe('RECENT_AUTH_REQUIRED');
    expect(problem.methods).toEqual(['totp', 'recovery-code']);
    expect((await stepUp(b, totpCodeAt(secret, clock.now()))).status).toBe(200);
    clock.advance(601_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(codeOf(await changePassword(b, 'a brand new passphrase'))).toBe('RECENT_AUTH_REQUIRED');
    expect((await stepUp(b, totpCodeAt(secret, clock.now()))).status).toBe(200);
    clock.advance(599_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const changed = await changePassword(b, 'a brand new passphrase');
    expect(changed.status).toBe(200);
  });

  it('without a second factor, the current password in the request is the re-authentication, whatever the session age', async () => {
    const { d, clock } = await start({ withApp2: false });
    const b = new Browser(d);
    await b.request('app1', '/api/signup', { json: { username: 'plainchange', password: PASSWORD } });
    for (let i = 0; i < 3; i++) {
      clock.advance(1500_000); // under the idle timeout each time: an hour and a quarter in all
      expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    }
    expect((await changePassword(b, 'another good passphrase')).status).toBe(200);
  });
});
