import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@sso/bff-common';
import { startApp1 } from '../app1/src/server';
import { freePort } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * SSO_SIGNUPS_PER_ADDRESS with PostgreSQL: the count lives in the shared
 * store (app1.login_throttle, as the sign-in limits), so a burst spread over
 * two app 1 instances gets the limit once, not once per instance.
 */

const probe = await findPostgres();
const LIMIT = 5;

describe.skipIf(skipPostgres(probe))(postgresSuiteName('sign-up limit shared by app 1 instances on PostgreSQL', probe), () => {
  let db: TestDatabase;
  let dataDir: string;
  const servers: RunningServer[] = [];
  const urls: string[] = [];
  let origin = '';
  beforeAll(async () => {
    db = await createTestDatabase(probe);
    dataDir = await mkdtemp(path.join(tmpdir(), 'sso-signup-'));
    const [a, b] = [await freePort(), await freePort()];
    origin = `http://app1.sso.localhost:${a}`;
    const env = {
      DATA_DIR: dataDir,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'silent',
      SPA_DIR: path.join(dataDir, 'no-spa'),
      APP1_ORIGIN: origin,
      STORE: 'postgres',
      DATABASE_URL: db.url,
      SSO_SIGNUPS_PER_ADDRESS: String(LIMIT),
    };
    const started = await Promise.allSettled([startApp1({ ...env, APP1_PORT: String(a) }, false), startApp1({ ...env, APP1_PORT: String(b) }, false)]);
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    urls.push(`http://127.0.0.1:${a}`, `http://127.0.0.1:${b}`);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`a concurrent burst of 20 sign-ups from one address over two instances creates exactly ${LIMIT} accounts`, async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${urls[i % 2]}/api/signup`, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/json' },
          body: JSON.stringify({ username: `burst${i}`, password: 'correct horse battery' }),
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(LIMIT);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(20 - LIMIT);
    expect(refused.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    expect(await db.query('SELECT count(*)::int AS n FROM app1.users')).toEqual([{ n: LIMIT }]);
    // The count is a row of the shared table, not a number in one instance's memory.
    const rows = await db.query(`SELECT points FROM app1.login_throttle WHERE key LIKE 'signup-a:%'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].points).toBeGreaterThan(LIMIT);
    // Both instances now refuse this address.
    for (const url of urls) {
      const res = await fetch(`${url}/api/signup`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'late', password: 'correct horse battery' }) });
      expect(res.status).toBe(429);
    }
  });
});
