import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@sso/bff-common';
import { MeResponseSchema } from '@sso/types';
import { startApp1 } from '../app1/src/server';
import { startApp2 } from '../app2/src/server';
import { Browser, freePort, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * Two instances of each BFF on one PostgreSQL database and one shared
 * DATA_DIR (signing keys), as behind a load balancer: the public origins are
 * those of instance A; requests alternate between the instances. App 2
 * instance A reads app 1 instance A's JWKS and revocation feed, app 2
 * instance B app 1 instance B's, so nothing works unless the instances share
 * their state through the database.
 */

const PASSWORD = 'correct horse battery';
const probe = await findPostgres();

type Instance = 'A' | 'B';

interface Cluster {
  db: TestDatabase;
  origins: { app1: string; app2: string };
  app1: Record<Instance, string>;
  app2: Record<Instance, string>;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const db = await createTestDatabase(probe);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sso-scale-'));
  const [p1a, p1b, p2a, p2b] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const origins = { app1: `http://app1.sso.localhost:${p1a}`, app2: `http://app2.sso.localhost:${p2a}` };
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    SPA_DIR: path.join(dataDir, 'no-spa'),
    // Every instance of an app has the same public origin (the load balancer's).
    APP1_ORIGIN: origins.app1,
    APP2_ORIGIN: origins.app2,
    STORE: 'postgres',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '5',
  };
  const servers: RunningServer[] = [];
  try {
    // Together, as a deploy would: the first to create the signing keys in the shared DATA_DIR wins, the other loads them.
    const started = await Promise.allSettled([startApp1({ ...env, APP1_PORT: String(p1a) }, false), startApp1({ ...env, APP1_PORT: String(p1b) }, false)]);
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    for (const [port, app1Port] of [
      [p2a, p1a],
      [p2b, p1b],
    ] as const) {
      servers.push(
        await startApp2(
          {
            ...env,
            APP2_PORT: String(port),
            SSO_JWKS_URL: `http://127.0.0.1:${app1Port}/.well-known/jwks.json`,
            SSO_REVOCATIONS_URL: `http://127.0.0.1:${app1Port}/api/revocations`,
          },
          false,
        ),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
    throw err;
  }
  return {
    db,
    origins,
    app1: { A: `http://127.0.0.1:${p1a}`, B: `http://127.0.0.1:${p1b}` },
    app2: { A: `http://127.0.0.1:${p2a}`, B: `http://127.0.0.1:${p2b}` },
    async stop() {
      for (const s of servers.reverse()) await s.stop();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One browser (one cookie jar) whose requests the "load balancer" sends to instance A or B. */
function lbBrowser(c: Cluster) {
  const view = { origins: c.origins, urls: { app1: c.app1.A, app2: c.app2.A } };
  const browser = new Browser(view as unknown as Domain);
  return {
    browser,
    via(app1: Instance, app2: Instance = app1): Browser {
      view.urls.app1 = c.app1[app1];
      view.urls.app2 = c.app2[app2];
      return browser;
    },
  };
}

async function waitForStatus(fn: () => Promise<number>, want: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs + 1000) {
    if ((await fn()) === want) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Infinity;
}

describe.skipIf(skipPostgres(probe))(postgresSuiteName('scale-out: two instances of each app on one PostgreSQL database', probe), () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(() => c?.stop());

  it('every instance is ready and app 1 instances publish the same keys (shared DATA_DIR)', async () => {
    for (const url of [c.app1.A, c.app1.B, c.app2.A, c.app2.B]) expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const [a, b] = await Promise.all([c.app1.A, c.app1.B].map(async (u) => (await fetch(`${u}/.well-known/jwks.json`)).json()));
    expect(a.keys.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('sign-up on app 1 instance A: the session is known to instance B, and /api/me on both app 2 instances gives one local user', async () => {
    const lb = lbBrowser(c);
    expect((await lb.via('A').request('app1', '/api/signup', { json: { username: 'spread', password: PASSWORD, name: 'Spread Out' } })).status).toBe(201);
    expect((await lb.via('B').request('app1', '/api/session')).status).toBe(200);
    const onA = await lb.via('A', 'A').request('app2', '/api/me');
    const onB = await lb.via('B', 'B').request('app2', '/api/me');
    expect(onA.status).toBe(200);
    expect(onB.status).toBe(200);
    const [ua, ub] = [MeResponseSchema.parse(onA.body).user, MeResponseSchema.parse(onB.body).user];
    expect(ub.id).toBe(ua.id);
    expect(ua).toMatchObject({ username: 'spread', name: 'Spread Out' });
    expect(await c.db.query('SELECT count(*)::int AS n FROM app2.local_users WHERE sub = $1', [ua.sub])).toEqual([{ n: 1 }]);
  });

  it('200 concurrent first-time /api/me spread over both app 2 instances create one record', async () => {
    const lb = lbBrowser(c);
    await lb.via('B').request('app1', '/api/signup', { json: { username: 'stampede', password: PASSWORD } });
    const cookie = `__Secure-sso=${lb.browser.cookie('__Secure-sso')}`;
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await fetch(`${i % 2 ? c.app2.B : c.app2.A}/api/me`, { headers: { cookie } });
        return { status: res.status, body: await res.json() };
      }),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const ids = new Set(results.map((r) => MeResponseSchema.parse(r.body).user.id));
    expect(ids.size).toBe(1);
    const sub = MeResponseSchema.parse(results[0]!.body).user.sub;
    expect(await c.db.query('SELECT count(*)::int AS n FROM app2.local_users WHERE sub = $1', [sub])).toEqual([{ n: 1 }]);
  });

  it('sign-out at app 1 instance A: a copied token is refused by app 2 instance B (polling app 1 B) within 2 s', async () => {
    const lb = lbBrowser(c);
    await lb.via('A').request('app1', '/api/signup', { json: { username: 'leaver', password: PASSWORD } });
    const stolen = lb.browser.cookie('__Secure-sso')!;
    const replay = async (at: Instance) => (await fetch(`${c.app2[at]}/api/me`, { headers: { cookie: `__Secure-sso=${stolen}` } })).status;
    expect(await replay('B')).toBe(200);
    const out = await lb.via('A').request('app1', '/api/logout', { json: {} });
    expect(out.body).toEqual({ signedOut: true, revokedSessions: 1 });
    const elapsed = await waitForStatus(() => replay('B'), 401, 2000);
    console.log(`scale-out: token refused at app 2 instance B ${elapsed} ms after sign-out at app 1 instance A`);
    expect(elapsed).toBeLessThan(2000);
    // Instance A polls app 1 on its own schedule: the same bound holds there.
    expect(await waitForStatus(() => replay('A'), 401, 2000)).toBeLessThan(2000);
  });

  it('the same refresh cookie at both app 1 instances at once: both renew, exactly one rotates, the session lives', async () => {
    const lb = lbBrowser(c);
    await lb.via('A').request('app1', '/api/signup', { json: { username: 'racer', password: PASSWORD } });
    for (let round = 0; round < 10; round++) {
      const login = lbBrowser(c);
      expect((await login.via(round % 2 ? 'B' : 'A').request('app1', '/api/login', { json: { username: 'racer', password: PASSWORD } })).status).toBe(200);
      const refresh = login.browser.cookie('__Host-sso-refresh')!;
      const sid = JSON.parse(Buffer.from(login.browser.cookie('__Secure-sso')!.split('.')[1]!, 'base64url').toString()).sid as string;
      const race = await Promise.all(
        (['A', 'B'] as const).map(async (at) => {
          const res = await fetch(`${c.app1[at]}/api/session/refresh`, {
            method: 'POST',
            headers: { cookie: `__Host-sso-refresh=${refresh}`, origin: c.origins.app1, 'content-type': 'application/json' },
            body: '{}',
          });
          return { status: res.status, body: await res.json(), setCookies: res.headers.getSetCookie() };
        }),
      );
      // Two tabs of one browser: both get a fresh domain token (grace window, ADR 011)...
      expect(race.map((r) => r.status)).toEqual([200, 200]);
      expect(race.every((r) => r.setCookies.some((sc) => sc.startsWith('__Secure-sso=')))).toBe(true);
      // ...but the compare-and-swap lets exactly one of them rotate the refresh token.
      const rotated = race.filter((r) => r.setCookies.some((sc) => sc.startsWith('__Host-sso-refresh=')));
      expect(rotated).toHaveLength(1);
      const [count] = await c.db.query('SELECT count(*)::int AS n FROM app1.retired_refresh_hashes WHERE session_id = $1', [sid]);
      expect(count).toEqual({ n: 1 });
      const next = rotated[0]!.setCookies.find((sc) => sc.startsWith('__Host-sso-refresh='))!.split(';')[0]!;
      const after = await fetch(`${c.app1[round % 2 ? 'A' : 'B']}/api/session/refresh`, {
        method: 'POST',
        headers: { cookie: next, origin: c.origins.app1, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(after.status).toBe(200);
      const [row] = await c.db.query('SELECT revoked_at FROM app1.sessions WHERE id = $1', [sid]);
      expect(row).toEqual({ revoked_at: null });
    }
  });

  it('one account per username and shared sign-in throttling across app 1 instances', async () => {
    const signups = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lbBrowser(c).via(i % 2 ? 'B' : 'A').request('app1', '/api/signup', { json: { username: 'twice', password: PASSWORD } })),
    );
    expect(signups.filter((r) => r.status === 201)).toHaveLength(1);
    expect(signups.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await c.db.query(`SELECT count(*)::int AS n FROM app1.users WHERE username = 'twice'`)).toEqual([{ n: 1 }]);

    const attempt = (at: Instance, password: string) => lbBrowser(c).via(at).request('app1', '/api/login', { json: { username: 'twice', password } });
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? 'B' : 'A', 'wrong password')).status).toBe(401);
    // Five failures spread over two instances lock the account from this client on both.
    for (const at of ['A', 'B'] as const) {
      const res = await attempt(at, PASSWORD);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    }
  });
});
