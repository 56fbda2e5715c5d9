import { once } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { createTokenSigner, loadOrCreateKeySet } from '@sso/session';
import { MeResponseSchema, ProblemSchema } from '@sso/types';
import { startApp2 } from '../app2/src/server';
import { Browser, startDomain, storedData, testClock, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
let domain: Domain | null = null;
afterEach(async () => {
  await domain?.stop();
  domain = null;
});

async function mint(d: Domain, sub: string, now: () => number = Date.now) {
  const keys = await loadOrCreateKeySet({ dir: d.dataDir, retainSeconds: 605 });
  const signer = createTokenSigner({ issuer: d.origins.app1, audience: 'sso.localhost', method: { alg: 'EdDSA', currentKey: keys.current }, now });
  return (await signer.sign({ sub, sid: `ses_${sub}`, preferred_username: sub, name: null, email: null })).token;
}

/** Resolves as soon as `condition` holds; fails the test if it does not within `ms`. */
async function until(condition: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('race-free provisioning and sign-up', () => {
  it('200 concurrent first-time /api/me calls for one new user create exactly one local record', async () => {
    domain = await startDomain();
    const token = await mint(domain, 'usr_concurrent');
    const results = await Promise.all(
      Array.from({ length: 200 }, () => new Browser(domain!).request('app2', '/api/me', { headers: { cookie: `__Secure-sso=${token}` } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const ids = new Set(results.map((r) => MeResponseSchema.parse(r.body).user.id));
    expect(ids.size).toBe(1);
    const stored = await storedData(domain.dataDir, 'app2');
    expect(stored.users.filter((u: { sub: string }) => u.sub === 'usr_concurrent')).toHaveLength(1);
  });

  it('200 concurrent sign-ups of one username yield one account and 199 USERNAME_TAKEN', async () => {
    domain = await startDomain({ withApp2: false });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => new Browser(domain!).request('app1', '/api/signup', { json: { username: i % 2 ? 'Racer' : 'racer', password: PASSWORD } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const taken = results.filter((r) => r.status === 409);
    expect(taken).toHaveLength(199);
    expect(taken.every((r) => ProblemSchema.parse(r.body).code === 'USERNAME_TAKEN')).toBe(true);
    const stored = await storedData(domain.dataDir, 'app1');
    expect(stored.users.filter((u: { username: string }) => u.username === 'racer')).toHaveLength(1);
  });
});

describe('storage failures', () => {
  it('a failing write answers 503 STORE_UNAVAILABLE, readyz says so, and both recover when the disk does', async () => {
    domain = await startDomain({ withApp2: false });
    // Root ignores permissions, so block the store's journal (the file the
    // next change is appended to) with a directory: opening it fails.
    const blocker = path.join(domain.dataDir, 'app1.json.journal-1');
    await mkdir(blocker);
    const failed = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'diskfull', password: PASSWORD } });
    expect(failed.status).toBe(503);
    expect(ProblemSchema.parse(failed.body).code).toBe('STORE_UNAVAILABLE');
    const notReady = await fetch(`${domain.urls.app1}/readyz`);
    expect(notReady.status).toBe(503);
    expect((await fetch(`${domain.urls.app1}/healthz`)).status).toBe(200);

    await rm(blocker, { recursive: true });
    expect((await fetch(`${domain.urls.app1}/readyz`)).status).toBe(200);
    const ok = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'diskback', password: PASSWORD } });
    expect(ok.status).toBe(201);
  });

  it('a corrupt store file stops start-up with the file name and the fix, and is left untouched', async () => {
    domain = await startDomain();
    await domain.app2!.stop();
    domain.app2 = null;
    const file = path.join(domain.dataDir, 'app2.json');
    await writeFile(file, '{"version":1,"users":[{"id":');
    await expect(startApp2(domain.env, false)).rejects.toThrow(/app2\.json is not valid JSON.*left untouched.*Restore it from a backup/s);
    expect(await readFile(file, 'utf8')).toBe('{"version":1,"users":[{"id":');
  });
});

describe('outages between apps', () => {
  it('app 2 keeps verifying with its cached JWKS while app 1 is down', async () => {
    const clock = testClock();
    const jwks = { fetches: 0, failures: 0 };
    const watched: typeof fetch = async (input, init) => {
      const isJwks = String(input).endsWith('/.well-known/jwks.json');
      if (isJwks) jwks.fetches++;
      try {
        return await fetch(input, init);
      } catch (err) {
        if (isJwks) jwks.failures++;
        throw err;
      }
    };
    domain = await startDomain({ app1: { now: clock.now }, app2: { now: clock.now, fetch: watched } });
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'outage', password: PASSWORD } });
    expect((await b.request('app2', '/api/me')).status).toBe(200);
    expect(jwks).toEqual({ fetches: 1, failures: 0 });
    await domain.app1.stop();
    // A new token every time, so app 2's verified-token cache cannot answer: its key set must.
    const me = async () => (await fetch(`${domain!.urls.app2}/api/me`, { headers: { cookie: `__Secure-sso=${await mint(domain!, 'usr_outage', clock.now)}` } })).status;
    expect(await me()).toBe(200);
    // Past the key set's maximum age (5 min): app 2 refetches in the background, app 1 is not there.
    clock.advance(5 * 60_000 + 1);
    expect(await me()).toBe(200);
    await until(() => jwks.failures > 0);
    expect(jwks.fetches).toBe(2);
    // After the failed fetch, app 2 still verifies with the set it had.
    for (let i = 0; i < 3; i++) expect(await me()).toBe(200);
    await domain.restart('app1');
  });

  it('with no JWKS ever fetched app 2 answers 503 IDENTITY_UNAVAILABLE, then recovers by itself', async () => {
    domain = await startDomain({ withApp2: false });
    const token = await mint(domain, 'usr_early');
    await domain.app1.stop();
    domain.app2 = await startApp2(domain.env, false);
    const b = new Browser(domain);
    b.setCookie('__Secure-sso', token);
    const down = await b.request('app2', '/api/me');
    expect(down.status).toBe(503);
    expect(ProblemSchema.parse(down.body).code).toBe('IDENTITY_UNAVAILABLE');
    expect((await fetch(`${domain.urls.app2}/readyz`)).status).toBe(503);
    await domain.restart('app1');
    expect((await b.request('app2', '/api/me')).status).toBe(200);
    expect((await fetch(`${domain.urls.app2}/readyz`)).status).toBe(200);
  });
});

describe('lifecycle and observability', () => {
  it('stopping drains an in-flight sign-in and flushes it to disk', async () => {
    domain = await startDomain({ withApp2: false, env: { BCRYPT_COST: '11' } });
    const arrived = once(domain.app1.server, 'request');
    const pending = new Browser(domain).request('app1', '/api/signup', { json: { username: 'inflight', password: PASSWORD } });
    await arrived; // app 1 is handling it: stopping now must let it finish
    await domain.app1.stop();
    expect((await pending).status).toBe(201);
    const stored = await storedData(domain.dataDir, 'app1');
    expect(stored.users.map((u: { username: string }) => u.username)).toContain('inflight');
    await domain.restart('app1');
  });

  it('accepts and echoes x-request-id, and passes it from app 2 to app 1 on back-channel calls', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'app1',
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }) as never,
    });
    domain = await startDomain({ app1: { logger } });
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'traced', password: PASSWORD } });
    const res = await b.request('app2', '/api/me', { headers: { 'x-request-id': 'trace-me-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-me-123');
    // The first /api/me fetched app 1's JWKS on behalf of this request.
    const jwksLine = lines.map((l) => JSON.parse(l)).find((l) => l.req?.path === '/.well-known/jwks.json');
    expect(jwksLine?.req.id).toBe('trace-me-123');
    const bad = await b.request('app2', '/api/me', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
