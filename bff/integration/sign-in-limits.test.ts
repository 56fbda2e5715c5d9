import { afterEach, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { bcryptCost } from '../app1/src/users/user-store';
import { Browser, startDomain, storedData, testClock, type Domain } from './harness';

/**
 * The attacks of the second security review (issue 12, items 1-3, 5, 6)
 * against real BFFs, each with the defence that stops it.
 */
const PASSWORD = 'correct horse battery';
const roomy = { failures: 1e6, durationSeconds: 60, blockSeconds: 60 };
let domain: Domain | null = null;
afterEach(async () => {
  await domain?.stop();
  domain = null;
});

const login = (d: Domain, username: string, password: string, xff?: string, b = new Browser(d)) =>
  b.request('app1', '/api/login', { json: { username, password }, headers: xff ? { 'x-forwarded-for': xff } : {} });

async function signUp(d: Domain, username: string): Promise<Browser> {
  const b = new Browser(d);
  expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD } })).status).toBe(201);
  return b;
}

const statuses = (results: { status: number }[]) => results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

describe('item 1: a concurrent burst does not bypass the sign-in limit', () => {
  it('250 wrong passwords at once from one address: 5 are checked, the rest are refused, and the real one among them is never tried', async () => {
    // Admission caps off, so that only the atomic failure count stands between the burst and bcrypt.
    domain = await startDomain({ withApp2: false, app1: { throttleLimits: { concurrentPerAddress: 1e6, concurrentPerUser: 1e6 } } });
    await signUp(domain, 'burst');
    const guesses = Array.from({ length: 250 }, (_, i) => (i === 60 ? PASSWORD : `guess number ${i}`));
    const results = await Promise.all(guesses.map((g) => login(domain!, 'burst', g)));
    expect(statuses(results)).toEqual({ 401: 5, 429: 245 });
    expect(results[60]!.status).toBe(429);
  });

  it('50 wrong current passwords at once on password change: 5 are checked', async () => {
    domain = await startDomain({ withApp2: false, app1: { throttleLimits: { concurrentPerAddress: 1e6, concurrentPerUser: 1e6 } } });
    const b = await signUp(domain, 'changer');
    // A stolen session in another browser: no device cookie (with one, its own 5 come first).
    b.drop('__Host-sso-device');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => b.request('app1', '/api/account/password', { json: { currentPassword: `guess ${i}`, newPassword: 'a new and longer passphrase' } })),
    );
    expect(statuses(results)).toEqual({ 401: 5, 429: 45 });
  });

  it('with the default admission caps, a burst is mostly refused before it reaches bcrypt at all', async () => {
    domain = await startDomain({ withApp2: false });
    await signUp(domain, 'burst2');
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => login(domain!, 'burst2', `guess ${i}`)));
    expect((statuses(results)[401] ?? 0) <= 5).toBe(true);
  });
});

describe('item 2: an attacker cannot lock the owner out', () => {
  it('a spray from 150 addresses trips the per-account limit for unknown browsers; the owner in a known browser signs in', async () => {
    domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: '1', SSO_LOGIN_FAILURES_PER_USER: '100' } });
    await signUp(domain, 'owner'); // this browser signed in once...
    const owner = new Browser(domain);
    expect((await login(domain, 'owner', PASSWORD, '192.0.2.10', owner)).status).toBe(200);
    expect(owner.cookie('__Host-sso-device')).toBeDefined(); // ...and is known from now on
    await owner.request('app1', '/api/logout', { json: {} });
    expect(owner.cookie('__Host-sso-device')).toBeDefined(); // sign-out keeps it

    for (let i = 0; i < 150; i++) await login(domain, 'owner', `spray ${i}`, `203.0.113.${i}`);

    // An unknown browser, even with the right password from a fresh address: 429.
    const unknown = await login(domain, 'owner', PASSWORD, '198.51.100.20');
    expect(unknown.status).toBe(429);
    expect(ProblemSchema.parse(unknown.body).code).toBe('RATE_LIMITED');
    // The owner's known browser, from another address still: signed in.
    expect((await login(domain, 'owner', PASSWORD, '198.51.100.21', owner)).status).toBe(200);
  });

  it('a device cookie is bound to its account and to our key: another account, a forged or altered one counts as unknown', async () => {
    domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: '1', SSO_LOGIN_FAILURES_PER_USER: '3' } });
    await signUp(domain, 'victim');
    const attacker = await signUp(domain, 'attacker'); // a genuine device cookie, for the attacker's account
    for (let i = 0; i < 3; i++) await login(domain, 'victim', `spray ${i}`, `203.0.113.${i}`);
    expect((await login(domain, 'victim', PASSWORD, '198.51.100.30', attacker)).status).toBe(429);
    const genuine = attacker.cookie('__Host-sso-device')!;
    const [v, , id, sig] = genuine.split('.');
    const forged = new Browser(domain);
    forged.setCookie('__Host-sso-device', `${v}.${Buffer.from('victim').toString('base64url')}.${id}.${sig}`, 'app1');
    expect((await login(domain, 'victim', PASSWORD, '198.51.100.31', forged)).status).toBe(429);
  });
});

describe('item 3: one account cannot exhaust the bcrypt pool for everyone', () => {
  it('300 concurrent valid sign-ins for one account from one address: a bystander from elsewhere still signs in', async () => {
    domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: '1', BCRYPT_COST: '6' } });
    await signUp(domain, 'flooded');
    await signUp(domain, 'bystander');
    const flood = Promise.all(Array.from({ length: 300 }, () => login(domain!, 'flooded', PASSWORD, '203.0.113.66')));
    const bystander = await login(domain, 'bystander', PASSWORD, '198.51.100.40');
    const counts = statuses(await flood);
    expect(bystander.status).toBe(200);
    expect(counts[503] ?? 0).toBe(0);
    expect(counts[200]).toBeLessThanOrEqual(30); // successful sign-ins per account are limited
    expect((counts[200] ?? 0) + (counts[429] ?? 0)).toBe(300);
  });

  it('past 50 live sessions a new sign-in ends the oldest, which is told so', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_LOGIN_SUCCESSES_PER_USER: '1000' } });
    const first = await signUp(domain, 'hoarder');
    const browsers = [first];
    for (let i = 0; i < 55; i++) {
      const b = new Browser(domain);
      expect((await login(domain, 'hoarder', PASSWORD, undefined, b)).status).toBe(200);
      browsers.push(b);
    }
    const data = (await storedData(domain.dataDir, 'app1')) as { sessions: { revokedAt: number | null }[] };
    expect(data.sessions.filter((s) => s.revokedAt === null)).toHaveLength(50);
    const oldest = await first.request('app1', '/api/session/refresh', { json: {} });
    expect(oldest.status).toBe(401);
    expect(ProblemSchema.parse(oldest.body)).toMatchObject({ code: 'SESSION_ENDED', reason: 'revoked' });
    expect((await browsers.at(-1)!.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
  });
});

describe('item 5: raising BCRYPT_COST does not reveal which usernames exist', () => {
  it('known accounts still at the old cost and unknown usernames cost the same; each account is rehashed at its next sign-in', { timeout: 60_000 }, async () => {
    domain = await startDomain({
      withApp2: false,
      env: { BCRYPT_COST: '9' },
      app1: { throttleLimits: { perUserAddress: roomy, perAddress: roomy, perUser: roomy } },
    });
    for (let i = 0; i < 12; i++) await signUp(domain, `old${i}`);
    // The operator raises the cost and restarts.
    domain.env.BCRYPT_COST = '11';
    await domain.restart('app1');

    const time = async (username: string) => {
      const t = performance.now();
      expect((await login(domain!, username, 'wrong password')).status).toBe(401);
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time(`old${i % 12}`));
      unknown.push(await time(`nobody${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [k, u] = [median(known), median(unknown)];
    console.log(`cost migration 9 -> 11: known (still cost 9) median ${k.toFixed(1)} ms, unknown median ${u.toFixed(1)} ms`);
    expect(Math.abs(k - u) / Math.max(k, u)).toBeLessThan(0.2);

    expect((await login(domain, 'old0', PASSWORD)).status).toBe(200);
    const rehashed = await domain.app1.context.users.findByUsername('old0');
    expect(bcryptCost(rehashed!.passwordHash)).toBe(11);
    expect(bcryptCost((await domain.app1.context.users.findByUsername('old1'))!.passwordHash)).toBe(9);
    expect((await login(domain, 'old0', PASSWORD)).status).toBe(200); // the new hash works
  });
});

describe('item 6: no token outlives its session', () => {
  it('exp is capped at the absolute expiry, and sign-out everywhere past it still reaches the token within the clock tolerance', async () => {
    const clock = testClock();
    domain = await startDomain({ env: { SSO_ABSOLUTE_TIMEOUT: '120', SSO_IDLE_TIMEOUT: '120' }, app1: { now: clock.now }, app2: { now: clock.now } });
    const b = await signUp(domain, 'capped');
    clock.advance(115_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const token = b.cookie('__Secure-sso')!;
    const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(exp - iat).toBeLessThanOrEqual(6); // not the 600 s of SSO_TOKEN_TTL
    // Past the absolute expiry, within the verifiers' 5 s tolerance: the token still works...
    clock.advance(7_000);
    const copy = `__Secure-sso=${token}`;
    expect((await fetch(`${domain.urls.app2}/api/me`, { headers: { cookie: copy } })).status).toBe(200);
    // ...until sign-out everywhere from another device, which now includes that session.
    const other = new Browser(domain);
    expect((await login(domain, 'capped', PASSWORD, undefined, other)).status).toBe(200);
    const out = await other.request('app1', '/api/logout', { json: { everywhere: true } });
    expect(out.body).toMatchObject({ revokedSessions: 2 });
    await domain.app2!.revocations.sync();
    expect((await fetch(`${domain.urls.app2}/api/me`, { headers: { cookie: copy } })).status).toBe(401);
  });
});
