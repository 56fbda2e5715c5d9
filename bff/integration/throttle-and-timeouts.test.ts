import { afterEach, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { DEFAULT_THROTTLE_LIMITS } from '../app1/src/users/login-throttle';
import { Browser, startDomain, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
let domain: Domain | null = null;
afterEach(async () => {
  await domain?.stop();
  domain = null;
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('brute force', () => {
  it('after 5 failures the account is throttled from that client with 429 and Retry-After, identically for unknown users', async () => {
    domain = await startDomain({ withApp2: false });
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'target', password: PASSWORD } });
    const attempt = (username: string, password = 'wrong password') => new Browser(domain!).request('app1', '/api/login', { json: { username, password } });
    for (let i = 0; i < 5; i++) {
      expect((await attempt('target')).status).toBe(401);
      expect((await attempt('ghost')).status).toBe(401);
    }
    const known = await attempt('target', PASSWORD);
    const unknown = await attempt('ghost', PASSWORD);
    for (const res of [known, unknown]) {
      expect(res.status).toBe(429);
      expect(ProblemSchema.parse(res.body).code).toBe('RATE_LIMITED');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    }
    expect(unknown.body).toEqual(known.body);
    // Another account from the same client is not locked by this.
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'bystander', password: PASSWORD } });
    expect((await attempt('bystander', PASSWORD)).status).toBe(200);
  });

  it('the per-account lock an attacker can cause from elsewhere is short', async () => {
    domain = await startDomain({
      withApp2: false,
      app1: {
        throttleLimits: {
          perUserAddress: { failures: 1000, durationSeconds: 60, blockSeconds: 60 },
          perAddress: { failures: 1000, durationSeconds: 60, blockSeconds: 60 },
          perUser: { failures: 3, durationSeconds: 3600, blockSeconds: 1 },
        },
      },
    });
    const ownerSignsIn = async () => (await new Browser(domain!).request('app1', '/api/login', { json: { username: 'owner', password: PASSWORD } })).status;
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'owner', password: PASSWORD } });
    for (let i = 0; i < 4; i++) await new Browser(domain).request('app1', '/api/login', { json: { username: 'owner', password: 'guess' } });
    const locked = Date.now();
    expect(await ownerSignsIn()).toBe(429);
    // The throttle counts real time (not the injected clock): ask again until
    // the owner gets in, and fail if the 1 s lock holds for 5 s.
    let status = 429;
    while (status === 429 && Date.now() - locked < 5_000) {
      await new Promise((r) => setTimeout(r, 50));
      status = await ownerSignsIn();
    }
    expect(status).toBe(200);
  });
});

describe('sign-up throttling', () => {
  it('past its limit a client address gets 429 with Retry-After; other addresses are not affected', async () => {
    domain = await startDomain({
      withApp2: false,
      env: { TRUST_PROXY: '1' },
      app1: { throttleLimits: { ...DEFAULT_THROTTLE_LIMITS, signupsPerAddress: { failures: 3, durationSeconds: 60, blockSeconds: 60 } } },
    });
    const signup = (n: number, xff: string) =>
      new Browser(domain!).request('app1', '/api/signup', { json: { username: `spam${n}`, password: PASSWORD }, headers: { 'x-forwarded-for': xff } });
    for (let i = 0; i < 3; i++) expect((await signup(i, '203.0.113.5')).status).toBe(201);
    const refused = await signup(3, '203.0.113.5');
    expect(refused.status).toBe(429);
    expect(ProblemSchema.parse(refused.body).code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signup(4, '198.51.100.9')).status).toBe(201);
  });
});

describe('client addresses behind a proxy', () => {
  const fail = (d: Domain, xff: string) =>
    new Browser(d).request('app1', '/api/login', { json: { username: 'proxied', password: 'wrong password' }, headers: { 'x-forwarded-for': xff } });

  it('by default X-Forwarded-For is ignored, so spoofing it does not escape throttling', async () => {
    domain = await startDomain({ withApp2: false });
    for (let i = 0; i < 5; i++) await fail(domain, `203.0.113.${i}`);
    expect((await fail(domain, '198.51.100.7')).status).toBe(429);
  });

  it('with TRUST_PROXY=1 each forwarded client has its own count', async () => {
    domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: '1' } });
    for (let i = 0; i < 5; i++) await fail(domain, '203.0.113.9');
    expect((await fail(domain, '203.0.113.9')).status).toBe(429);
    expect((await fail(domain, '198.51.100.7')).status).toBe(401);
  });
});

describe('login timing', () => {
  it('unknown users cost the same bcrypt time as wrong passwords (medians within 20%)', async () => {
    const unlimited = { failures: 10_000, durationSeconds: 60, blockSeconds: 1 };
    domain = await startDomain({
      withApp2: false,
      env: { BCRYPT_COST: '9' },
      app1: { throttleLimits: { perUserAddress: unlimited, perAddress: unlimited, perUser: unlimited } },
    });
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'timed', password: PASSWORD } });
    const time = async (username: string) => {
      const t = performance.now();
      const res = await new Browser(domain!).request('app1', '/api/login', { json: { username, password: 'wrong password' } });
      expect(res.status).toBe(401);
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time('timed'));
      unknown.push(await time(`nobody${i}`));
    }
    const [k, u] = [median(known), median(unknown)];
    console.log(`login timing medians: known user ${k.toFixed(1)} ms, unknown user ${u.toFixed(1)} ms`);
    expect(Math.abs(k - u) / Math.max(k, u)).toBeLessThan(0.2);
  });
});

describe('session timeouts', () => {
  it('a session idle longer than SSO_IDLE_TIMEOUT cannot be refreshed; the absolute lifetime ends it even when active', async () => {
    let clock = Date.now();
    domain = await startDomain({
      withApp2: false,
      env: { SSO_IDLE_TIMEOUT: '120', SSO_ABSOLUTE_TIMEOUT: '300', SSO_TOKEN_TTL: '60' },
      app1: { now: () => clock },
    });
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'sleepy', password: PASSWORD } });
    clock += 100_000;
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    clock += 100_000; // 100 s since the last refresh: still within the idle timeout
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    clock += 101_000; // 301 s since sign-in: past the absolute lifetime
    const late = await b.request('app1', '/api/session/refresh', { json: {} });
    expect(late.status).toBe(401);

    const idle = new Browser(domain);
    await idle.request('app1', '/api/signup', { json: { username: 'idler', password: PASSWORD } });
    clock += 121_000;
    expect((await idle.request('app1', '/api/session/refresh', { json: {} })).status).toBe(401);
  });
});
