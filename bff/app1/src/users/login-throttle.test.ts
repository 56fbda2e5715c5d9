import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from '@sso/bff-common';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from '../../../integration/pg-test-db';
import { APP1_MIGRATIONS_DIR } from '../storage/postgres-store';
import { createLoginThrottle, DEFAULT_THROTTLE_LIMITS, type LoginThrottle, type ThrottleLimits } from './login-throttle';

const roomy = { failures: 1e6, durationSeconds: 60, blockSeconds: 60 };
const limits = (overrides: Partial<ThrottleLimits> = {}): ThrottleLimits => ({
  perUserAddress: { failures: 5, durationSeconds: 60, blockSeconds: 60 },
  perAddress: roomy,
  perUser: roomy,
  concurrentPerAddress: 1e6,
  concurrentPerUser: 1e6,
  ...overrides,
});

/** One wrong password: admitted (and counted as failed) or refused. */
async function wrong(t: LoginThrottle, username: string, address: string, deviceId?: string): Promise<boolean> {
  const admission = await t.begin({ username, address, deviceId });
  if (!admission.ok) return false;
  await admission.ticket.failed();
  return true;
}

const admitted = (results: boolean[]) => results.filter(Boolean).length;

function suite(name: string, make: (l: ThrottleLimits) => LoginThrottle | Promise<LoginThrottle>) {
  describe(name, () => {
    it('250 wrong passwords at once from one address: only the limit of 5 is ever checked', async () => {
      const t = await make(limits());
      const burst = await Promise.all(Array.from({ length: 250 }, () => wrong(t, 'burst', '198.51.100.1')));
      expect(admitted(burst)).toBe(5);
      expect(await wrong(t, 'burst', '198.51.100.1')).toBe(false);
    });

    it('a right password gives its attempt back and clears the count from that address', async () => {
      const t = await make(limits());
      for (let i = 0; i < 4; i++) expect(await wrong(t, 'refund', '198.51.100.2')).toBe(true);
      const ok = await t.begin({ username: 'refund', address: '198.51.100.2' });
      expect(ok.ok).toBe(true);
      if (ok.ok) expect(await ok.ticket.succeeded()).toEqual({ ok: true });
      const again = await Promise.all(Array.from({ length: 20 }, () => wrong(t, 'refund', '198.51.100.2')));
      expect(admitted(again)).toBe(5);
    });

    it('IPv6 addresses count by their /64: rotating the interface id does not reset the limit', async () => {
      const t = await make(limits());
      const tries = await Promise.all(Array.from({ length: 20 }, (_, i) => wrong(t, 'six', `2001:db8:0:7::${(i + 1).toString(16)}`)));
      expect(admitted(tries)).toBe(5);
      expect(await wrong(t, 'six', '2001:db8:0:8::1')).toBe(true); // another /64
      expect(await wrong(t, 'six', '::ffff:198.51.100.9')).toBe(true);
    });

    it('a spray from many addresses trips the per-account limit, but not for a browser that signed in before', async () => {
      const t = await make(limits({ perUser: { failures: 50, durationSeconds: 60, blockSeconds: 60 } }));
      const spray = await Promise.all(Array.from({ length: 120 }, (_, i) => wrong(t, 'owner', `203.0.113.${i}`)));
      expect(admitted(spray)).toBe(50);
      // The owner from a new address in an unknown browser is kept out...
      expect((await t.begin({ username: 'owner', address: '192.0.2.77' })).ok).toBe(false);
      // ...but the owner's known browser is limited on its own only.
      const known = await t.begin({ username: 'owner', address: '192.0.2.77', deviceId: 'device-of-owner' });
      expect(known.ok).toBe(true);
      if (known.ok) expect(await known.ticket.succeeded()).toEqual({ ok: true });
    });

    it('a known browser gets its own 5 failures, then counts as unknown again', async () => {
      const t = await make(limits({ perUserAddress: roomy, perUser: { failures: 3, durationSeconds: 60, blockSeconds: 60 } }));
      const burst = await Promise.all(Array.from({ length: 30 }, () => wrong(t, 'stolen-device', '192.0.2.5', 'dev-1')));
      // The device's own 5 (a request that finds them used up mid-burst is an unknown browser already)...
      expect(admitted(burst)).toBeGreaterThanOrEqual(5);
      // ...then an unknown browser's: the per-account limit (3). Never more than 5 + 3 in all.
      const after = [];
      for (let i = 0; i < 10; i++) after.push(await wrong(t, 'stolen-device', '192.0.2.5', 'dev-1'));
      expect(admitted(burst) + admitted(after)).toBe(8);
    });

    it('sign-ups from one address at once: exactly the limit is accepted', async () => {
      const t = await make(limits({ signupsPerAddress: { failures: 30, durationSeconds: 60, blockSeconds: 60 } }));
      const waits = await Promise.all(Array.from({ length: 100 }, () => t.signupRetryAfter('198.51.100.50')));
      expect(waits.filter((w) => w === 0)).toHaveLength(30);
      expect(Math.min(...waits.filter((w) => w > 0))).toBeGreaterThan(0);
    });

    it('successful sign-ins are limited per account', async () => {
      const t = await make(limits({ perUserAddress: roomy, successesPerUser: { failures: 3, durationSeconds: 60, blockSeconds: 60 } }));
      const outcomes = [];
      for (let i = 0; i < 5; i++) {
        const a = await t.begin({ username: 'popular', address: `198.51.100.${60 + i}` });
        outcomes.push(a.ok ? (await a.ticket.succeeded()).ok : false);
      }
      expect(outcomes).toEqual([true, true, true, false, false]);
    });
  });
}

suite('login throttle in memory', (l) => createLoginThrottle(l));

describe('login throttle: admission to the bcrypt pool (per instance)', () => {
  it('one check in flight per account and two per address; settled tickets free their place', async () => {
    const t = createLoginThrottle(limits({ concurrentPerAddress: 2, concurrentPerUser: 1 }));
    const first = await t.begin({ username: 'flood', address: '198.51.100.70' });
    expect(first.ok).toBe(true);
    expect(await t.begin({ username: 'flood', address: '198.51.100.71' })).toMatchObject({ ok: false, reason: 'concurrency', retryAfter: 1 });
    const other = await t.begin({ username: 'bystander', address: '198.51.100.70' });
    expect(other.ok).toBe(true);
    expect(await t.begin({ username: 'third', address: '198.51.100.70' })).toMatchObject({ ok: false, reason: 'concurrency' });
    if (first.ok) await first.ticket.failed();
    if (other.ok) await other.ticket.abandon();
    expect((await t.begin({ username: 'flood', address: '198.51.100.70' })).ok).toBe(true);
  });

  it('the defaults admit one check per account and two per address', () => {
    expect(DEFAULT_THROTTLE_LIMITS).toMatchObject({ concurrentPerUser: 1, concurrentPerAddress: 2 });
  });
});

const probe = await findPostgres();
describe.skipIf(skipPostgres(probe))(postgresSuiteName('login throttle on PostgreSQL, two instances sharing the counts', probe), () => {
  let db: TestDatabase;
  let pools: [pg.Pool, pg.Pool];
  beforeAll(async () => {
    db = await createTestDatabase(probe);
    pools = [new pg.Pool({ connectionString: db.url, max: 8 }), new pg.Pool({ connectionString: db.url, max: 8 })];
    for (const pool of pools) pool.on('error', () => undefined); // idle clients cut by drop()
    await runMigrations(pools[0], { dir: APP1_MIGRATIONS_DIR, schema: 'app1' });
  });
  beforeEach(async () => {
    await pools[0].query('TRUNCATE app1.login_throttle');
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db?.drop();
  });

  suite('every limit', (l) => {
    // Two instances: every other call goes to the other one.
    const [a, b] = [createLoginThrottle(l, pools[0]), createLoginThrottle(l, pools[1])];
    let i = 0;
    const pick = () => (i++ % 2 ? a : b);
    return {
      begin: (attempt) => pick().begin(attempt),
      signupRetryAfter: (address) => pick().signupRetryAfter(address),
      beginPasskey: (address) => pick().beginPasskey(address),
      passkeyOptionsRetryAfter: (address) => pick().passkeyOptionsRetryAfter(address),
    } satisfies LoginThrottle;
  });
});
