import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStore, type RunningServer } from '@sso/bff-common';
import { MeResponseSchema, RecoveryCodesResponseSchema, TotpSetupResponseSchema } from '@sso/types';
import { runImport } from '../../scripts/db-import';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { startApp1 } from '../app1/src/server';
import { startApp2 } from '../app2/src/server';
import { Browser, startDomain, storedData, testClock, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * `npm run db:import` (ADR 035): people signed up on the embedded store sign
 * in on PostgreSQL with their old password and second factor, signed-in
 * browsers stay signed in, app 2 sees the same `sub` and the same local user;
 * the import is idempotent, refuses a non-empty schema unless --merge, a
 * field it does not carry, and a store the lowdb service holds.
 */

const PASSWORD = 'correct horse battery';
const probe = await findPostgres();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Runs the command as `npm run db:import` would; returns its exit code and what it printed. */
async function dbImport(args: string[], env: { DATA_DIR: string; DATABASE_URL: string }) {
  const lines: string[] = [];
  const code = await runImport(args, env, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

/** A lowdb domain to seed, stopped (the files stay) once `seed` ran. */
async function seeded<T>(seed: (d: Domain, clock: ReturnType<typeof testClock>) => Promise<T>) {
  const clock = testClock();
  const d = await startDomain({ app1: { now: clock.now }, app2: { now: clock.now } });
  cleanups.push(() => rm(d.dataDir, { recursive: true, force: true }));
  const seededWith = await seed(d, clock);
  await d.app2!.stop();
  await d.app1.stop();
  return { d, clock, seededWith };
}

async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase(probe);
  cleanups.push(() => db.drop());
  return db;
}

/** Both apps on PostgreSQL with the lowdb domain's DATA_DIR (keys), origins and ports. */
async function onPostgres(d: Domain, db: TestDatabase, clock: ReturnType<typeof testClock>): Promise<RunningServer[]> {
  const env = { ...d.env, STORE: 'postgres', DATABASE_URL: db.url, APP1_ORIGIN: d.origins.app1, APP2_ORIGIN: d.origins.app2 };
  const app1 = await startApp1(env, false, { now: clock.now, throttleLimits: { signupsPerAddress: { failures: 1e9, durationSeconds: 60, blockSeconds: 1 } } });
  d.app1 = app1;
  const app2 = await startApp2(env, false, { now: clock.now });
  d.app2 = app2;
  const servers = [app2, app1];
  cleanups.push(() => Promise.all(servers.map((s) => s.stop())));
  return servers;
}

const counts = async (db: TestDatabase) =>
  Object.fromEntries(
    await Promise.all(
      ['app1.users', 'app1.sessions', 'app1.retired_refresh_hashes', 'app1.revocations', 'app1.totp_factors', 'app1.recovery_codes', 'app2.local_users', 'app1.lowdb_imports', 'app2.lowdb_imports'].map(
        async (t) => [t, (await db.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n as number] as const,
      ),
    ),
  );

describe.skipIf(skipPostgres(probe))(postgresSuiteName('npm run db:import: lowdb files into PostgreSQL', probe), () => {
  it('round trip: old password and second factor work on PostgreSQL, a signed-in browser stays signed in, app 2 sees the same sub and local user; a second run changes nothing', async () => {
    const { d, clock, seededWith: s } = await seeded(async (d, clock) => {
      const alice = new Browser(d);
      expect((await alice.request('app1', '/api/signup', { json: { username: 'alice', password: PASSWORD, email: 'alice@example.com', name: 'Alice' } })).status).toBe(201);
      // A renewal: the session now has a retired refresh hash (theft detection must survive the move).
      expect((await alice.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
      const aliceMe = MeResponseSchema.parse((await alice.request('app2', '/api/me')).body).user;

      const bob = new Browser(d);
      await bob.request('app1', '/api/signup', { json: { username: 'bob', password: PASSWORD } });
      const setup = TotpSetupResponseSchema.parse((await bob.request('app1', '/api/account/totp/setup', { json: {} })).body);
      const confirmed = await bob.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now()) } });
      const { recoveryCodes } = RecoveryCodesResponseSchema.parse(confirmed.body);

      const carol = new Browser(d);
      await carol.request('app1', '/api/signup', { json: { username: 'carol', password: PASSWORD } });
      const carolRefresh = carol.cookie('__Host-sso-refresh')!;
      expect((await carol.request('app1', '/api/logout', { json: {} })).status).toBe(200);
      return { alice, aliceMe, totpSecret: setup.secret, recoveryCodes, carolRefresh };
    });
    const before = await storedData(d.dataDir, 'app1');
    const db = await freshDb();

    const first = await dbImport([], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/record kind\s+in files\s+imported\s+skipped\s+in database/);
    expect(first.out).toMatch(/users\s+3\s+3\s+0\s+3/);
    expect(first.out).toMatch(/local users\s+1\s+1\s+0\s+1/);
    expect(first.out).toContain('app1: imported; every count checked.');
    const after = await counts(db);
    expect(after).toMatchObject({ 'app1.users': 3, 'app1.sessions': before.sessions.length, 'app1.totp_factors': 1, 'app1.recovery_codes': 10, 'app2.local_users': 1, 'app1.revocations': 1 });
    expect(after['app1.retired_refresh_hashes']).toBeGreaterThanOrEqual(1);
    // Ids kept: the token's sub is the user's id.
    expect((await db.query(`SELECT id FROM app1.users WHERE username = 'alice'`))[0].id).toBe(s.aliceMe.sub);

    const second = await dbImport([], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/app 1: these files were imported already \(.*\); nothing changed\./);
    expect(second.out).toMatch(/app 2: these files were imported already/);
    expect(await counts(db)).toEqual(after);

    await onPostgres(d, db, clock);
    // Alice's browser from the lowdb days renews on PostgreSQL: she stayed signed in.
    expect((await s.alice.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    // A new browser signs in with the old password; app 2 knows her as before.
    const again = new Browser(d);
    expect((await again.request('app1', '/api/login', { json: { username: 'alice', password: PASSWORD } })).status).toBe(200);
    const me = MeResponseSchema.parse((await again.request('app2', '/api/me')).body).user;
    expect(me.sub).toBe(s.aliceMe.sub);
    expect(me.id).toBe(s.aliceMe.id);
    expect(me).toMatchObject({ username: 'alice', email: 'alice@example.com', name: 'Alice' });

    // Bob's second factor came along: a TOTP code (sealed secret, same DATA_DIR key) and a recovery code.
    clock.advance(30_000);
    const bob = new Browser(d);
    expect((await bob.request('app1', '/api/login', { json: { username: 'bob', password: PASSWORD } })).body).toHaveProperty('secondFactor');
    expect((await bob.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(s.totpSecret, clock.now()) } })).status).toBe(200);
    const bob2 = new Browser(d);
    await bob2.request('app1', '/api/login', { json: { username: 'bob', password: PASSWORD } });
    expect((await bob2.request('app1', '/api/login/second-factor', { json: { code: s.recoveryCodes[0] } })).status).toBe(200);

    // Carol signed out before the move: her old refresh cookie stays dead.
    const thief = new Browser(d);
    thief.setCookie('__Host-sso-refresh', s.carolRefresh, 'app1');
    const replay = await thief.request('app1', '/api/session/refresh', { json: {} });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('SESSION_ENDED');
  });

  it('refuses a schema that holds other accounts unless --merge; --merge adds the accounts it lacks and reports a username taken by another account (exit 2)', async () => {
    const { d } = await seeded(async (d) => {
      for (const username of ['dave', 'frank', 'grace']) expect((await new Browser(d).request('app1', '/api/signup', { json: { username, password: PASSWORD } })).status).toBe(201);
    });
    const db = await freshDb();
    // The database already has its own erin, and another "dave".
    const other = await startDomain({ env: { STORE: 'postgres', DATABASE_URL: db.url }, withApp2: false });
    cleanups.push(() => other.stop());
    for (const username of ['erin', 'dave']) expect((await new Browser(other).request('app1', '/api/signup', { json: { username, password: 'another password here' } })).status).toBe(201);
    await other.app1.stop();

    const refused = await dbImport(['app1'], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/already holds 2 account\(s\) not imported from these files\. Nothing was written\..*--merge/);
    expect((await db.query('SELECT username FROM app1.users ORDER BY username')).map((r) => r.username)).toEqual(['dave', 'erin']);

    const merged = await dbImport(['--merge', 'app1'], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(merged.code, merged.out).toBe(2);
    expect(merged.out).toMatch(/1 account\(s\) not carried: another account in the database has the username \(dave\)/);
    expect(merged.out).toMatch(/users\s+3\s+2\s+1\s+2/);
    expect((await db.query('SELECT username FROM app1.users ORDER BY username')).map((r) => r.username)).toEqual(['dave', 'erin', 'frank', 'grace']);
    // The database's dave is untouched (its own password hash), and the import is recorded: a rerun changes nothing.
    const again = await dbImport(['--merge', 'app1'], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.out).toContain('imported already');
  });

  it('refuses a record field it does not carry, and a store the lowdb service holds; nothing is written', async () => {
    const { d, seededWith: userId } = await seeded(async (d) => {
      const b = new Browser(d);
      const res = await b.request('app1', '/api/signup', { json: { username: 'henry', password: PASSWORD } });
      return res.body.user.id as string;
    });
    const db = await freshDb();

    // Another process holds the store (a running lowdb app 1).
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(async () => holder.kill());
    await writeFile(path.join(d.dataDir, 'app1.json.lock'), String(holder.pid));
    const locked = await dbImport(['app1'], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(locked.code).toBe(1);
    expect(locked.out).toMatch(new RegExp(`in use by another process \\(pid ${holder.pid}\\).*Stop the lowdb service before importing`));
    expect(await db.query(`SELECT to_regclass('app1.users') AS t`)).toEqual([{ t: null }]);
    holder.kill();
    await new Promise((r) => holder.once('exit', r));

    // A field added to user records that the importer does not know (say, a future `locale`).
    const [user] = (await storedData(d.dataDir, 'app1')).users;
    const journals = (await readdir(d.dataDir)).filter((f) => f.startsWith('app1.json.journal-')).sort();
    await appendFile(path.join(d.dataDir, journals.at(-1)!), `${JSON.stringify(['put', 'users', userId, { ...user, locale: 'fr' }])}\n`);
    const refused = await dbImport(['app1'], { DATA_DIR: d.dataDir, DATABASE_URL: db.url });
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/holds field users\.locale that the importer does not carry\. Nothing was written\./);
    expect(await db.query(`SELECT to_regclass('app1.users') AS t`)).toEqual([{ t: null }]);
  });
});

describe('db:import finds the stores', () => {
  it('a store is its snapshot or any journal (one never compacted and restarted has journal-3 alone); an empty DATA_DIR has nothing to import', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sso-import-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    expect(await hasStore(dir, 'app1.json')).toBe(false);
    await writeFile(path.join(dir, 'app1.json.journal-3'), '');
    await writeFile(path.join(dir, 'app2.json.lock'), '1');
    expect(await hasStore(dir, 'app1.json')).toBe(true);
    expect(await hasStore(dir, 'app2.json')).toBe(false);
    const empty = await mkdtemp(path.join(tmpdir(), 'sso-import-'));
    cleanups.push(() => rm(empty, { recursive: true, force: true }));
    const { code, out } = await dbImport([], { DATA_DIR: empty, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).toBe(0);
    expect(out).toContain('nothing to import for app 1');
    expect(out).toContain('nothing to import for app 2');
    await expect(runImport(['--bogus'], { DATA_DIR: empty, DATABASE_URL: 'postgres://x@127.0.0.1/y' }, () => undefined)).rejects.toThrow(/unknown argument "--bogus"/);
    await expect(runImport([], { DATA_DIR: empty }, () => undefined)).rejects.toThrow(/db:import needs DATABASE_URL/);
  });
});
