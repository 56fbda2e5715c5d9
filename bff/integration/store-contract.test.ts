import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, runMigrations, StoreError } from '@sso/bff-common';
import { loadConfig as loadApp1Config } from '../app1/src/config';
import { loadConfig as loadApp2Config } from '../app2/src/config';
import type { SessionRecord, SessionStore } from '../app1/src/sessions/session-store';
import { openLowdbStore as openApp1Lowdb } from '../app1/src/storage/lowdb-store';
import { APP1_MIGRATIONS_DIR, openPostgresStore as openApp1Postgres } from '../app1/src/storage/postgres-store';
import { createLoginThrottle, type ThrottleLimits } from '../app1/src/users/login-throttle';
import type { UserRecord, UserStore } from '../app1/src/users/user-store';
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../app1/src/recovery/one-time-token-store';
import type { SecondFactorStore, TotpRecord } from '../app1/src/mfa/second-factor-store';
import type { PasskeyRecord, PasskeyStore } from '../app1/src/passkeys/passkey-store';
import { openLowdbStore as openApp2Lowdb } from '../app2/src/storage/lowdb-store';
import { APP2_MIGRATIONS_DIR, openPostgresStore as openApp2Postgres } from '../app2/src/storage/postgres-store';
import type { LocalUserStore, ProvisionInput } from '../app2/src/users/local-user-store';
import { storedData } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * One contract, two engines: every case below runs against the lowdb store
 * (one process) and the PostgreSQL store (several instances), through the
 * interfaces the routes use. Then cases only PostgreSQL can have: several
 * store instances on one database, migrations, the migrate script.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const probe = await findPostgres();

interface Stores {
  app1: { users: UserStore; sessions: SessionStore; oneTimeTokens: OneTimeTokenStore; secondFactors: SecondFactorStore; passkeys: PasskeyStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }> };
  app2: { users: LocalUserStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }> };
}

interface Engine {
  name: 'lowdb' | 'postgres';
  skip: boolean;
  setup(): Promise<void>;
  /** Empty stores for one test. */
  open(): Promise<Stores>;
  /** The same data through new store objects (a restart). */
  reopen(): Promise<Stores>;
  close(s: Stores): Promise<void>;
  teardown(): Promise<void>;
  /** App 2's local users as stored (read from the engine itself, not through the store). */
  localUserCount(s: Stores): Promise<number>;
}

function lowdbEngine(): Engine {
  let dir = '';
  return {
    name: 'lowdb',
    skip: false,
    async setup() {},
    async open() {
      dir = await mkdtemp(path.join(tmpdir(), 'sso-contract-'));
      // The store's clock is the tests' (start-up drops sessions a day past their expiry).
      return { app1: await openApp1Lowdb(dir, { now: () => T0 }), app2: await openApp2Lowdb(dir) };
    },
    async reopen() {
      // The store's clock is the tests' (start-up drops sessions a day past their expiry).
      return { app1: await openApp1Lowdb(dir, { now: () => T0 }), app2: await openApp2Lowdb(dir) };
    },
    async close(s) {
      await s.app1.flush();
      await s.app2.flush();
    },
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    async localUserCount(s) {
      await s.app2.flush();
      return (await storedData(dir, 'app2')).users.length;
    },
  };
}

function postgresEngine(): Engine {
  let db: TestDatabase | null = null;
  const openBoth = async (): Promise<Stores> => ({
    app1: await openApp1Postgres({ databaseUrl: db!.url, poolMax: 4 }),
    app2: await openApp2Postgres({ databaseUrl: db!.url, poolMax: 4 }),
  });
  return {
    name: 'postgres',
    skip: skipPostgres(probe),
    async setup() {
      db = await createTestDatabase(probe);
    },
    async open() {
      const s = await openBoth();
      await db!.query('TRUNCATE app1.users, app1.sessions, app1.totp_factors, app1.recovery_codes, app1.retired_refresh_hashes, app1.revocations, app1.login_throttle, app1.one_time_tokens, app1.deletions, app1.passkeys, app1.passkey_challenges, app2.local_users');
      return s;
    },
    reopen: openBoth,
    async close(s) {
      await s.app1.flush();
      await s.app2.flush();
    },
    async teardown() {
      await db?.drop();
    },
    async localUserCount() {
      const [row] = await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM app2.local_users');
      return row!.n;
    },
  };
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
let seq = 0;
const uid = (p: string) => `${p}_${(++seq).toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: uid('usr'),
    username: uid('u').toLowerCase().replace(/[^a-z0-9._-]/g, ''),
    email: 'someone@example.test',
    emailVerified: false,
    name: 'Some One',
    passwordHash: '$2b$04$abcdefghijklmnopqrstuu6J0a8s9YdNqLr4bJ3m9F2KJ8eCw1nGi',
    createdAt: new Date(T0).toISOString(),
    disabledAt: null,
    groups: [],
    ...overrides,
  };
}

function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: uid('ses'),
    userId,
    createdAt: T0,
    lastActiveAt: T0,
    absoluteExpiresAt: T0 + 12 * 3600_000,
    refreshHash: uid('h'),
    retiredRefreshHashes: [],
    revokedAt: null,
    revokeReason: null,
    userAgent: null,
    address: null,
    ...overrides,
  };
}

const claims = (overrides: Partial<ProvisionInput> = {}): ProvisionInput => ({
  iss: 'http://app1.sso.localhost:3001',
  sub: uid('usr'),
  username: 'alice',
  email: 'alice@example.test',
  emailVerified: false,
  name: 'Alice',
  ...overrides,
});

for (const engine of [lowdbEngine(), postgresEngine()]) {
  const label = `store contract: ${engine.name}`;
  describe.skipIf(engine.skip)(engine.name === 'postgres' ? postgresSuiteName(label, probe) : label, () => {
    let s: Stores;
    beforeAll(() => engine.setup());
    afterAll(() => engine.teardown());
    beforeEach(async () => {
      s = await engine.open();
    });
    afterEach(async () => {
      await engine.close(s);
    });

    async function userWithSession(overrides: Partial<SessionRecord> = {}) {
      const u = user();
      expect((await s.app1.users.create(structuredClone(u))).ok).toBe(true);
      const ses = session(u.id, overrides);
      await s.app1.sessions.create(structuredClone(ses));
      return { u, ses };
    }

    describe('users (app 1)', () => {
      it('create, then find by username and by id, round-trips every field', async () => {
        const u = user({ email: null, name: null });
        expect(await s.app1.users.create(structuredClone(u))).toEqual({ ok: true, user: u });
        expect(await s.app1.users.findByUsername(u.username)).toEqual(u);
        expect(await s.app1.users.findById(u.id)).toEqual(u);
        expect(await s.app1.users.findByUsername('nobody-here')).toBeNull();
        expect(await s.app1.users.findById('usr_missing')).toBeNull();
      });

      it('a taken username is refused with USERNAME_TAKEN and the first account is kept', async () => {
        const first = user();
        await s.app1.users.create(structuredClone(first));
        expect(await s.app1.users.create(structuredClone(user({ username: first.username })))).toEqual({ ok: false, code: 'USERNAME_TAKEN' });
        expect((await s.app1.users.findByUsername(first.username))?.id).toBe(first.id);
      });

      it('50 concurrent creates of one username yield exactly one account', async () => {
        const username = uid('racer').toLowerCase();
        const results = await Promise.all(Array.from({ length: 50 }, () => s.app1.users.create(structuredClone(user({ username })))));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const winner = results.find((r) => r.ok) as { ok: true; user: UserRecord };
        expect((await s.app1.users.findByUsername(username))?.id).toBe(winner.user.id);
      });

      it('emailVerified round-trips; setName, markEmailVerified (only for the current address) and changeEmail change only that user', async () => {
        const [a, b] = [user({ email: 'A@Example.test' }), user()];
        await s.app1.users.create(structuredClone(a));
        await s.app1.users.create(structuredClone(b));
        expect((await s.app1.users.findById(a.id))?.emailVerified).toBe(false);
        expect(await s.app1.users.markEmailVerified(a.id, 'other@example.test')).toBe(null);
        expect((await s.app1.users.findById(a.id))?.emailVerified).toBe(false);
        expect(await s.app1.users.markEmailVerified(a.id, 'a@example.TEST')).toMatchObject({ id: a.id, emailVerified: true });
        expect(await s.app1.users.setName(a.id, 'Renamed')).toMatchObject({ name: 'Renamed', emailVerified: true });
        expect(await s.app1.users.changeEmail(b.id, 'b-new@example.test')).toMatchObject({ email: 'b-new@example.test', emailVerified: true });
        expect(await s.app1.users.findById(a.id)).toEqual({ ...a, name: 'Renamed', emailVerified: true });
        expect(await s.app1.users.findById(b.id)).toEqual({ ...b, email: 'b-new@example.test', emailVerified: true });
        expect(await s.app1.users.setName('usr_nobody', 'x')).toBe(null);
        expect(await s.app1.users.changeEmail('usr_nobody', 'x@example.test')).toBe(null);
        expect(await s.app1.users.markEmailVerified('usr_nobody', 'x@example.test')).toBe(null);
      });

      it('updatePassword and setDisabled change only that user; unknown ids are ignored', async () => {
        const [a, b] = [user(), user()];
        await s.app1.users.create(structuredClone(a));
        await s.app1.users.create(structuredClone(b));
        await s.app1.users.updatePassword(a.id, 'new-hash');
        const disabledAt = new Date(T0 + 1000).toISOString();
        await s.app1.users.setDisabled(a.id, disabledAt);
        await s.app1.users.updatePassword('usr_missing', 'x');
        await s.app1.users.setDisabled('usr_missing', disabledAt);
        expect(await s.app1.users.findById(a.id)).toEqual({ ...a, passwordHash: 'new-hash', disabledAt });
        expect(await s.app1.users.findById(b.id)).toEqual(b);
        await s.app1.users.setDisabled(a.id, null);
        expect((await s.app1.users.findById(a.id))?.disabledAt).toBeNull();
      });

      it('passwordCosts counts the stored hashes by bcrypt cost, ignoring anything else', async () => {
        const salt = 'abcdefghijklmnopqrstuv' + 'x'.repeat(31);
        for (const hash of [`$2b$04$${salt}`, `$2b$04$${salt}`, `$2a$12$${salt}`, 'not-bcrypt']) {
          await s.app1.users.create(structuredClone(user({ passwordHash: hash })));
        }
        expect(await s.app1.users.passwordCosts()).toEqual(new Map([[4, 2], [12, 1]]));
      });
    });

    describe('groups and account deletion (app 1, ADR 034)', () => {
      it('addGroup and removeGroup: added once, capped, absent is no change; list is by username', async () => {
        const [b, a] = [user({ username: uid('zed').toLowerCase() }), user({ username: uid('amy').toLowerCase() })];
        await s.app1.users.create(structuredClone(b));
        await s.app1.users.create(structuredClone(a));
        expect(await s.app1.users.addGroup(a.id, 'admins', 2)).toBe('added');
        expect(await s.app1.users.addGroup(a.id, 'admins', 2)).toBe('present');
        expect(await s.app1.users.addGroup(a.id, 'ops', 2)).toBe('added');
        expect(await s.app1.users.addGroup(a.id, 'staff', 2)).toBe('full');
        expect(await s.app1.users.addGroup('usr_missing', 'ops', 2)).toBe('no-user');
        expect((await s.app1.users.findById(a.id))?.groups).toEqual(['admins', 'ops']);
        expect(await s.app1.users.removeGroup(a.id, 'admins')).toBe('removed');
        expect(await s.app1.users.removeGroup(a.id, 'admins')).toBe('absent');
        expect(await s.app1.users.removeGroup('usr_missing', 'ops')).toBe('no-user');
        expect((await s.app1.users.findById(a.id))?.groups).toEqual(['ops']);
        expect((await s.app1.users.findById(b.id))?.groups).toEqual([]);
        const names = (await s.app1.users.list()).map((u) => u.username);
        expect(names.indexOf(a.username)).toBeLessThan(names.indexOf(b.username));
      });

      it('30 concurrent addGroup calls with a cap of 20 leave exactly 20 groups', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => s.app1.users.addGroup(u.id, `g${i}`, 20)));
        expect(results.filter((r) => r === 'added')).toHaveLength(20);
        expect((await s.app1.users.findById(u.id))?.groups).toHaveLength(20);
      });

      it('deleteAccount revokes the live sessions into the feed, deletes everything of the account and adds a deletion after them', async () => {
        const { u, ses: live } = await userWithSession();
        const old = session(u.id, { createdAt: T0 - 3 * 24 * 3600_000, lastActiveAt: T0 - 3 * 24 * 3600_000, absoluteExpiresAt: T0 - 2 * 24 * 3600_000 + 1 });
        await s.app1.sessions.create(structuredClone(old));
        await s.app1.secondFactors.beginTotp({ userId: u.id, sealedSecret: 'sealed', createdAt: new Date(T0).toISOString(), confirmedAt: null, lastUsedStep: null });
        await s.app1.secondFactors.setRecoveryCodes({ userId: u.id, hashes: ['h1', 'h2'], createdAt: new Date(T0).toISOString() });
        await s.app1.oneTimeTokens.issue({ hash: 'tok-of-deleted', purpose: 'password-reset', userId: u.id, createdAt: T0, expiresAt: T0 + 60_000, usedAt: null });
        const other = await userWithSession();
        const before = await s.app1.sessions.revocationsSince(0, T0);

        const result = await s.app1.users.deleteAccount(u.id, { now: T0, reason: 'account-deleted', tokenLifetimeMs: 605_000, retentionMs: 30 * 24 * 3600_000 });
        expect(result).toEqual({ revoked: [live.id] });
        expect(await s.app1.users.findById(u.id)).toBeNull();
        expect(await s.app1.users.findByUsername(u.username)).toBeNull();
        expect(await s.app1.sessions.get(live.id)).toBeNull();
        expect(await s.app1.sessions.findByRefreshHash(live.refreshHash)).toBeNull();
        expect(await s.app1.secondFactors.getTotp(u.id)).toBeNull();
        expect(await s.app1.secondFactors.recoveryCodesLeft(u.id)).toBe(0);
        expect(await s.app1.oneTimeTokens.consume('tok-of-deleted', 'password-reset', T0)).toEqual({ ok: false, code: 'invalid' });
        expect(await s.app1.sessions.get(other.ses.id)).not.toBeNull();

        const feed = await s.app1.sessions.revocationsSince(before.cursor, T0);
        expect(feed.revocations.map((r) => r.sid)).toEqual([live.id]);
        expect(feed.deletions).toEqual([{ sub: u.id, deletedAt: T0 }]);
        expect(feed.cursor).toBeGreaterThan(feed.revocations[0]!.revokedAt);
        // Past the cursor: nothing new. Tokens expired: the revocation goes, the deletion stays its 30 days.
        expect(await s.app1.sessions.revocationsSince(feed.cursor, T0)).toEqual({ revocations: [], deletions: [], cursor: feed.cursor });
        const later = await s.app1.sessions.revocationsSince(before.cursor, T0 + 24 * 3600_000);
        expect(later.revocations).toEqual([]);
        expect(later.deletions).toEqual([{ sub: u.id, deletedAt: T0 }]);
        expect((await s.app1.sessions.revocationsSince(before.cursor, T0 + 31 * 24 * 3600_000)).deletions).toEqual([]);

        expect(await s.app1.users.deleteAccount(u.id, { now: T0, reason: 'account-deleted', tokenLifetimeMs: 605_000, retentionMs: 1 })).toBeNull();
        expect((await s.app1.users.create(structuredClone(user({ username: u.username })))).ok).toBe(true); // the name is free again
      });

      it('a deletion survives a restart of the store', async () => {
        const { u } = await userWithSession();
        await s.app1.users.deleteAccount(u.id, { now: T0, reason: 'account-deleted', tokenLifetimeMs: 605_000, retentionMs: 30 * 24 * 3600_000 });
        await engine.close(s);
        s = await engine.reopen();
        expect(await s.app1.users.findById(u.id)).toBeNull();
        expect((await s.app1.sessions.revocationsSince(0, T0)).deletions).toContainEqual({ sub: u.id, deletedAt: T0 });
      });
    });

    describe('one-time tokens (app 1)', () => {
      const token = (userId: string, overrides: Partial<OneTimeTokenRecord> = {}): OneTimeTokenRecord => ({
        hash: uid('hash'),
        purpose: 'password-reset',
        userId,
        createdAt: T0,
        expiresAt: T0 + 30 * 60_000,
        usedAt: null,
        email: null,
        ...overrides,
      });

      it('email links: the address round-trips; findLive gives the newest unused, unexpired one of a purpose', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        expect(await s.app1.oneTimeTokens.findLive(u.id, 'email-change', T0)).toBe(null);
        const change = token(u.id, { purpose: 'email-change', email: 'New@Example.test' });
        await s.app1.oneTimeTokens.issue(structuredClone(change));
        await s.app1.oneTimeTokens.issue(structuredClone(token(u.id, { purpose: 'email-verify', email: 'someone@example.test', createdAt: T0 + 1 })));
        expect(await s.app1.oneTimeTokens.findLive(u.id, 'email-change', T0 + 2)).toEqual(change);
        expect(await s.app1.oneTimeTokens.findLive(u.id, 'email-change', change.expiresAt)).toBe(null);
        // Purposes are separate: an email-verify token did not void the pending change, and is not consumed as one.
        expect(await s.app1.oneTimeTokens.consume(change.hash, 'email-verify', T0 + 2)).toEqual({ ok: false, code: 'invalid' });
        expect(await s.app1.oneTimeTokens.consume(change.hash, 'email-change', T0 + 2)).toEqual({ ok: true, record: { ...change, usedAt: T0 + 2 } });
        expect(await s.app1.oneTimeTokens.findLive(u.id, 'email-change', T0 + 3)).toBe(null);
      });

      it('findByEmail finds every account with the address, in any letter case; none for an unknown one', async () => {
        const [a, b, c] = [user({ email: 'Shared@Example.test' }), user({ email: 'shared@example.test' }), user({ email: 'other@example.test' })];
        for (const u of [a, b, c]) await s.app1.users.create(structuredClone(u));
        expect((await s.app1.users.findByEmail('SHARED@example.TEST')).map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
        expect(await s.app1.users.findByEmail('nobody@example.test')).toEqual([]);
      });

      it('a token is redeemed once; then it is used; expired and unknown ones are told apart', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        const t = token(u.id);
        await s.app1.oneTimeTokens.issue(structuredClone(t));
        expect(await s.app1.oneTimeTokens.consume(t.hash, 'password-reset', T0 + 1)).toEqual({ ok: true, record: { ...t, usedAt: T0 + 1 } });
        expect(await s.app1.oneTimeTokens.consume(t.hash, 'password-reset', T0 + 2)).toEqual({ ok: false, code: 'used' });
        const late = token(u.id);
        await s.app1.oneTimeTokens.issue(structuredClone(late));
        expect(await s.app1.oneTimeTokens.consume(late.hash, 'password-reset', late.expiresAt)).toEqual({ ok: false, code: 'expired' });
        expect(await s.app1.oneTimeTokens.consume('no-such-hash', 'password-reset', T0)).toEqual({ ok: false, code: 'invalid' });
      });

      it('a newer token voids the older unused one of the same user only; voidForUser voids the rest', async () => {
        const [a, b] = [user(), user()];
        await s.app1.users.create(structuredClone(a));
        await s.app1.users.create(structuredClone(b));
        const [a1, a2, b1] = [token(a.id), token(a.id, { createdAt: T0 + 1 }), token(b.id)];
        await s.app1.oneTimeTokens.issue(structuredClone(a1));
        await s.app1.oneTimeTokens.issue(structuredClone(b1));
        await s.app1.oneTimeTokens.issue(structuredClone(a2));
        expect(await s.app1.oneTimeTokens.consume(a1.hash, 'password-reset', T0 + 2)).toEqual({ ok: false, code: 'invalid' });
        expect(await s.app1.oneTimeTokens.voidForUser(a.id, 'password-reset')).toBe(1);
        expect(await s.app1.oneTimeTokens.consume(a2.hash, 'password-reset', T0 + 2)).toEqual({ ok: false, code: 'invalid' });
        expect((await s.app1.oneTimeTokens.consume(b1.hash, 'password-reset', T0 + 2)).ok).toBe(true);
      });

      it('20 concurrent redemptions of one token: exactly one succeeds, the rest are told it was used', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        const t = token(u.id);
        await s.app1.oneTimeTokens.issue(structuredClone(t));
        const results = await Promise.all(Array.from({ length: 20 }, () => s.app1.oneTimeTokens.consume(t.hash, 'password-reset', T0 + 5)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.code === 'used')).toHaveLength(19);
      });

      it('10 concurrent issues for one user leave exactly one live token', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        const tokens = Array.from({ length: 10 }, (_, i) => token(u.id, { createdAt: T0 + i }));
        await Promise.all(tokens.map((t) => s.app1.oneTimeTokens.issue(structuredClone(t))));
        const results = await Promise.all(tokens.map((t) => s.app1.oneTimeTokens.consume(t.hash, 'password-reset', T0 + 20)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      });

      it('tokens survive a restart (only the hash is stored)', async () => {
        const u = user();
        await s.app1.users.create(structuredClone(u));
        const t = token(u.id);
        await s.app1.oneTimeTokens.issue(structuredClone(t));
        await engine.close(s);
        s = await engine.reopen();
        expect(await s.app1.oneTimeTokens.consume(t.hash, 'password-reset', T0 + 1)).toEqual({ ok: true, record: { ...t, usedAt: T0 + 1 } });
      });
    });

    describe('sessions (app 1)', () => {
      it('create and get round-trip a session', async () => {
        const { ses } = await userWithSession();
        expect(await s.app1.sessions.get(ses.id)).toEqual(ses);
        expect(await s.app1.sessions.get('ses_missing')).toBeNull();
      });

      it("a session's device (User-Agent and address at sign-in) round-trips, also through listActiveForUser", async () => {
        const { ses } = await userWithSession({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0', address: '2001:db8::7' });
        expect(await s.app1.sessions.get(ses.id)).toEqual(ses);
        expect(await s.app1.sessions.listActiveForUser(ses.userId, T0)).toEqual([ses]);
      });

      it('findByRefreshHash: current, then retired after rotation (newest first), null when unknown', async () => {
        const { ses } = await userWithSession();
        expect(await s.app1.sessions.findByRefreshHash(ses.refreshHash)).toEqual({ session: ses, state: 'current' });
        expect(await s.app1.sessions.rotate(ses.id, ses.refreshHash, 'h2', T0 + 1000)).toBe('rotated');
        expect(await s.app1.sessions.rotate(ses.id, 'h2', 'h3', T0 + 2000)).toBe('rotated');
        const rotated = { ...ses, refreshHash: 'h3', retiredRefreshHashes: ['h2', ses.refreshHash], lastActiveAt: T0 + 2000 };
        expect(await s.app1.sessions.findByRefreshHash('h3')).toEqual({ session: rotated, state: 'current' });
        expect(await s.app1.sessions.findByRefreshHash(ses.refreshHash)).toEqual({ session: rotated, state: 'retired' });
        expect(await s.app1.sessions.findByRefreshHash('h2')).toEqual({ session: rotated, state: 'retired' });
        expect(await s.app1.sessions.findByRefreshHash('never-issued')).toBeNull();
        expect(await s.app1.sessions.get(ses.id)).toEqual(rotated);
      });

      it('rotate is a compare-and-swap: a stale hash, a revoked or unknown session is not rotated', async () => {
        const { ses } = await userWithSession();
        expect(await s.app1.sessions.rotate(ses.id, 'not-current', 'x1', T0 + 1)).toBe('stale');
        expect(await s.app1.sessions.rotate('ses_missing', ses.refreshHash, 'x2', T0 + 1)).toBe('stale');
        await s.app1.sessions.revoke([ses.id], 'logout', T0 + 2, 60_000);
        expect(await s.app1.sessions.rotate(ses.id, ses.refreshHash, 'x3', T0 + 3)).toBe('stale');
        expect((await s.app1.sessions.get(ses.id))?.refreshHash).toBe(ses.refreshHash);
      });

      it('reauthenticate records the new amr and auth time of a live session (kept across a read), never of a revoked or unknown one', async () => {
        const { ses } = await userWithSession({ amr: ['pwd'], authTime: T0 });
        const stepped = await s.app1.sessions.reauthenticate(ses.id, ['pwd', 'otp', 'mfa'], T0 + 5000);
        expect(stepped).toEqual({ ...ses, amr: ['pwd', 'otp', 'mfa'], authTime: T0 + 5000 });
        expect(await s.app1.sessions.get(ses.id)).toEqual(stepped);
        expect(await s.app1.sessions.reauthenticate('ses_missing', ['pwd'], T0)).toBeNull();
        await s.app1.sessions.revoke([ses.id], 'logout', T0 + 6000, 60_000);
        expect(await s.app1.sessions.reauthenticate(ses.id, ['pwd', 'otp', 'mfa'], T0 + 7000)).toBeNull();
        expect((await s.app1.sessions.get(ses.id))?.authTime).toBe(T0 + 5000);
      });

      it('20 concurrent rotations of one refresh hash: exactly one wins', async () => {
        const { ses } = await userWithSession();
        const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => s.app1.sessions.rotate(ses.id, ses.refreshHash, `next-${ses.id}-${i}`, T0 + 1)));
        expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
        const winner = outcomes.indexOf('rotated');
        expect((await s.app1.sessions.get(ses.id))?.refreshHash).toBe(`next-${ses.id}-${winner}`);
        expect((await s.app1.sessions.findByRefreshHash(ses.refreshHash))?.state).toBe('retired');
      });

      it('revoke marks sessions once and returns only the newly revoked; unknown ids are ignored', async () => {
        const { u, ses: a } = await userWithSession();
        const b = session(u.id);
        await s.app1.sessions.create(structuredClone(b));
        expect(await s.app1.sessions.revoke([a.id], 'logout', T0 + 10, 60_000)).toEqual([a.id]);
        expect(await s.app1.sessions.revoke([a.id, b.id, 'ses_missing', b.id], 'logout-everywhere', T0 + 20, 60_000)).toEqual([b.id]);
        expect(await s.app1.sessions.revoke([], 'nothing', T0 + 30, 60_000)).toEqual([]);
        expect(await s.app1.sessions.get(a.id)).toMatchObject({ revokedAt: T0 + 10, revokeReason: 'logout' });
        expect(await s.app1.sessions.get(b.id)).toMatchObject({ revokedAt: T0 + 20, revokeReason: 'logout-everywhere' });
      });

      it('listActiveForUser lists only the unrevoked, unexpired sessions of that user', async () => {
        const { u, ses: live } = await userWithSession();
        const revoked = session(u.id);
        const expired = session(u.id, { absoluteExpiresAt: T0 + 1000 });
        const { ses: other } = await userWithSession();
        await s.app1.sessions.create(structuredClone(revoked));
        await s.app1.sessions.create(structuredClone(expired));
        await s.app1.sessions.revoke([revoked.id], 'logout', T0, 60_000);
        expect((await s.app1.sessions.listActiveForUser(u.id, T0 + 1000)).map((x) => x.id)).toEqual([live.id]);
        expect((await s.app1.sessions.listActiveForUser(other.userId, T0)).map((x) => x.id)).toEqual([other.id]);
        expect(await s.app1.sessions.listActiveForUser('usr_missing', T0)).toEqual([]);
      });

      it('creating a session drops sessions a day past their absolute expiry, with their refresh hashes', async () => {
        const { u, ses: dead } = await userWithSession({ createdAt: T0 - 40 * 3600_000, lastActiveAt: T0 - 40 * 3600_000, absoluteExpiresAt: T0 - 25 * 3600_000 });
        const recent = session(u.id, { createdAt: T0 - 30 * 3600_000, absoluteExpiresAt: T0 - 23 * 3600_000 });
        await s.app1.sessions.create(structuredClone(recent));
        await s.app1.sessions.create(structuredClone(session(u.id)));
        expect(await s.app1.sessions.get(dead.id)).toBeNull();
        expect(await s.app1.sessions.findByRefreshHash(dead.refreshHash)).toBeNull();
        expect(await s.app1.sessions.get(recent.id)).not.toBeNull();
      });

      it('revocation feed: strictly increasing cursors within one millisecond, nothing new past the cursor, expired entries drop out', async () => {
        const { u, ses: a } = await userWithSession();
        const [b, c] = [session(u.id), session(u.id)];
        await s.app1.sessions.create(structuredClone(b));
        await s.app1.sessions.create(structuredClone(c));
        const base = await s.app1.sessions.revocationsSince(0, T0);
        expect(base.revocations).toEqual([]);
        // Three revocations at the same instant.
        await s.app1.sessions.revoke([a.id, b.id], 'logout', T0, 5_000);
        await s.app1.sessions.revoke([c.id], 'logout', T0, 5_000);
        const feed = await s.app1.sessions.revocationsSince(base.cursor, T0);
        expect(feed.revocations.map((r) => r.sid)).toEqual([a.id, b.id, c.id]);
        const cursors = feed.revocations.map((r) => r.revokedAt);
        expect(cursors.every((v, i) => i === 0 || v > cursors[i - 1]!)).toBe(true);
        expect(cursors[0]).toBeGreaterThan(base.cursor);
        expect(feed.revocations.every((r) => r.expiresAt === T0 + 5_000)).toBe(true);
        expect(feed.cursor).toBe(cursors[2]);

        expect(await s.app1.sessions.revocationsSince(feed.cursor, T0)).toEqual({ revocations: [], deletions: [], cursor: feed.cursor });
        expect((await s.app1.sessions.revocationsSince(cursors[0]!, T0)).revocations.map((r) => r.sid)).toEqual([b.id, c.id]);
        // Once every token of those sessions has expired the entries are gone; the cursor stays.
        expect(await s.app1.sessions.revocationsSince(0, T0 + 5_000)).toEqual({ revocations: [], deletions: [], cursor: feed.cursor });
        // A poller that is ahead keeps its cursor: it never goes backwards.
        expect((await s.app1.sessions.revocationsSince(feed.cursor + 1_000, T0)).cursor).toBe(feed.cursor + 1_000);
      });
    });

    describe('second factors (app 1)', () => {
      const totp = (userId: string, overrides: Partial<TotpRecord> = {}): TotpRecord => ({
        userId,
        sealedSecret: uid('sealed'),
        createdAt: new Date(T0).toISOString(),
        confirmedAt: null,
        lastUsedStep: null,
        ...overrides,
      });

      it('an enrolment counts once confirmed; a confirmed one is not replaced; delete removes it', async () => {
        const { u } = await userWithSession();
        expect(await s.app1.secondFactors.getTotp(u.id)).toBeNull();
        const first = totp(u.id);
        expect(await s.app1.secondFactors.beginTotp(structuredClone(first))).toBe(true);
        // An unconfirmed set-up may be started over.
        const second = totp(u.id);
        expect(await s.app1.secondFactors.beginTotp(structuredClone(second))).toBe(true);
        expect(await s.app1.secondFactors.getTotp(u.id)).toEqual(second);
        const at = new Date(T0 + 1_000).toISOString();
        expect(await s.app1.secondFactors.confirmTotp(u.id, 100, at)).toBe(true);
        expect(await s.app1.secondFactors.confirmTotp(u.id, 101, at)).toBe(false);
        expect(await s.app1.secondFactors.getTotp(u.id)).toEqual({ ...second, confirmedAt: at, lastUsedStep: 100 });
        expect(await s.app1.secondFactors.beginTotp(totp(u.id))).toBe(false);
        expect((await s.app1.secondFactors.getTotp(u.id))?.sealedSecret).toBe(second.sealedSecret);
        expect(await s.app1.secondFactors.deleteTotp(u.id)).toBe(true);
        expect(await s.app1.secondFactors.deleteTotp(u.id)).toBe(false);
        expect(await s.app1.secondFactors.getTotp(u.id)).toBeNull();
      });

      it('a time step is used once and only after the last one; 20 concurrent uses of one step: one wins', async () => {
        const { u } = await userWithSession();
        await s.app1.secondFactors.beginTotp(totp(u.id));
        expect(await s.app1.secondFactors.useTotpStep(u.id, 5)).toBe(false); // unconfirmed
        await s.app1.secondFactors.confirmTotp(u.id, 10, new Date(T0).toISOString());
        expect(await s.app1.secondFactors.useTotpStep(u.id, 10)).toBe(false);
        expect(await s.app1.secondFactors.useTotpStep(u.id, 9)).toBe(false);
        const results = await Promise.all(Array.from({ length: 20 }, () => s.app1.secondFactors.useTotpStep(u.id, 11)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await s.app1.secondFactors.getTotp(u.id))?.lastUsedStep).toBe(11);
      });

      it('recovery codes: each used once (also under 20 concurrent uses), replaced as a set, counted, deleted', async () => {
        const { u } = await userWithSession();
        const other = await userWithSession();
        const createdAt = new Date(T0).toISOString();
        await s.app1.secondFactors.setRecoveryCodes({ userId: u.id, hashes: ['h1', 'h2', 'h3'], createdAt });
        await s.app1.secondFactors.setRecoveryCodes({ userId: other.u.id, hashes: ['h1'], createdAt });
        expect(await s.app1.secondFactors.recoveryCodesLeft(u.id)).toBe(3);
        const results = await Promise.all(Array.from({ length: 20 }, () => s.app1.secondFactors.useRecoveryCode(u.id, 'h2')));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await s.app1.secondFactors.useRecoveryCode(u.id, 'nope')).toBe(false);
        expect(await s.app1.secondFactors.recoveryCodesLeft(u.id)).toBe(2);
        // Another account's code is not this account's.
        expect(await s.app1.secondFactors.recoveryCodesLeft(other.u.id)).toBe(1);
        await s.app1.secondFactors.setRecoveryCodes({ userId: u.id, hashes: ['n1', 'n2'], createdAt });
        expect(await s.app1.secondFactors.useRecoveryCode(u.id, 'h1')).toBe(false);
        expect(await s.app1.secondFactors.useRecoveryCode(u.id, 'n1')).toBe(true);
        await s.app1.secondFactors.deleteRecoveryCodes(u.id);
        expect(await s.app1.secondFactors.recoveryCodesLeft(u.id)).toBe(0);
        expect(await s.app1.secondFactors.recoveryCodesLeft(other.u.id)).toBe(1);
      });

      it('second factors and a session\'s amr and auth_time survive a restart', async () => {
        const { u } = await userWithSession();
        const ses = session(u.id, { amr: ['pwd', 'otp', 'mfa'], authTime: T0 + 5 });
        await s.app1.sessions.create(structuredClone(ses));
        await s.app1.secondFactors.beginTotp(totp(u.id));
        await s.app1.secondFactors.confirmTotp(u.id, 7, new Date(T0).toISOString());
        await s.app1.secondFactors.setRecoveryCodes({ userId: u.id, hashes: ['r1'], createdAt: new Date(T0).toISOString() });
        await engine.close(s);
        s = await engine.reopen();
        expect((await s.app1.secondFactors.getTotp(u.id))?.lastUsedStep).toBe(7);
        expect(await s.app1.secondFactors.recoveryCodesLeft(u.id)).toBe(1);
        expect(await s.app1.sessions.get(ses.id)).toEqual(ses);
      });
    });

    describe('passkeys (app 1)', () => {
      const passkey = (userId: string, overrides: Partial<PasskeyRecord> = {}): PasskeyRecord => ({
        id: uid('cred'),
        userId,
        name: 'Laptop',
        publicKey: 'pQECAyYgASFYIA',
        counter: 0,
        transports: ['internal', 'hybrid'],
        deviceType: 'singleDevice',
        backedUp: false,
        createdAt: new Date(T0).toISOString(),
        lastUsedAt: null,
        ...overrides,
      });

      it('add, get and list round-trip every field, oldest first; a known credential id is refused, whoever adds it', async () => {
        const { u } = await userWithSession();
        const other = await userWithSession();
        const a = passkey(u.id, { createdAt: new Date(T0 + 2_000).toISOString(), deviceType: 'multiDevice', backedUp: true });
        const b = passkey(u.id, { createdAt: new Date(T0 + 1_000).toISOString(), transports: [] });
        expect(await s.app1.passkeys.add(structuredClone(a), 10)).toBe('added');
        expect(await s.app1.passkeys.add(structuredClone(b), 10)).toBe('added');
        expect(await s.app1.passkeys.get(a.id)).toEqual(a);
        expect(await s.app1.passkeys.listForUser(u.id)).toEqual([b, a]);
        expect(await s.app1.passkeys.listForUser(other.u.id)).toEqual([]);
        expect(await s.app1.passkeys.add({ ...a, userId: other.u.id }, 10)).toBe('exists');
        expect(await s.app1.passkeys.get('nope')).toBeNull();
      });

      it('the per-account limit holds under 20 concurrent adds', async () => {
        const { u } = await userWithSession();
        const results = await Promise.all(Array.from({ length: 20 }, () => s.app1.passkeys.add(passkey(u.id), 3)));
        expect(results.filter((r) => r === 'added')).toHaveLength(3);
        expect(results.filter((r) => r === 'limit')).toHaveLength(17);
        expect(await s.app1.passkeys.listForUser(u.id)).toHaveLength(3);
      });

      it("rename and remove touch only the owner's passkey", async () => {
        const { u } = await userWithSession();
        const other = await userWithSession();
        const p = passkey(u.id);
        await s.app1.passkeys.add(structuredClone(p), 10);
        expect(await s.app1.passkeys.rename(other.u.id, p.id, 'Mine')).toBeNull();
        expect(await s.app1.passkeys.remove(other.u.id, p.id)).toBe(false);
        expect(await s.app1.passkeys.rename(u.id, p.id, 'Phone')).toEqual({ ...p, name: 'Phone' });
        expect(await s.app1.passkeys.remove(u.id, p.id)).toBe(true);
        expect(await s.app1.passkeys.remove(u.id, p.id)).toBe(false);
        expect(await s.app1.passkeys.listForUser(u.id)).toEqual([]);
      });

      it('recordUse is a compare-and-set on the counter: 20 concurrent uses from one value, one wins', async () => {
        const { u } = await userWithSession();
        const p = passkey(u.id, { counter: 5 });
        await s.app1.passkeys.add(structuredClone(p), 10);
        const at = new Date(T0 + 9_000).toISOString();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.app1.passkeys.recordUse(p.id, 5, 6 + i, at, true)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const used = await s.app1.passkeys.get(p.id);
        expect(used).toMatchObject({ lastUsedAt: at, backedUp: true });
        expect(used!.counter).toBeGreaterThan(5);
        expect(await s.app1.passkeys.recordUse(p.id, 5, 99, at, true)).toBe(false);
        expect(await s.app1.passkeys.recordUse('nope', 0, 1, at, false)).toBe(false);
      });

      it('a challenge is taken once (also by 20 concurrent takers), a newer one replaces it, an expired one is gone', async () => {
        const key = uid('sign-in:');
        await s.app1.passkeys.putChallenge({ key, challenge: 'c1', userId: null, expiresAt: T0 + 60_000 }, T0);
        await s.app1.passkeys.putChallenge({ key, challenge: 'c2', userId: 'usr_x', expiresAt: T0 + 60_000 }, T0);
        const results = await Promise.all(Array.from({ length: 20 }, () => s.app1.passkeys.takeChallenge(key, T0 + 1_000)));
        expect(results.filter(Boolean)).toEqual([{ key, challenge: 'c2', userId: 'usr_x', expiresAt: T0 + 60_000 }]);
        await s.app1.passkeys.putChallenge({ key, challenge: 'c3', userId: null, expiresAt: T0 + 60_000 }, T0);
        expect(await s.app1.passkeys.takeChallenge(key, T0 + 60_000)).toBeNull();
        expect(await s.app1.passkeys.takeChallenge(key, T0)).toBeNull();
      });

      it('passkeys and challenges survive a restart', async () => {
        const { u } = await userWithSession();
        const p = passkey(u.id);
        await s.app1.passkeys.add(structuredClone(p), 10);
        await s.app1.passkeys.putChallenge({ key: 'register:ses_1', challenge: 'c', userId: u.id, expiresAt: T0 + 60_000 }, T0);
        await engine.close(s);
        s = await engine.reopen();
        expect(await s.app1.passkeys.listForUser(u.id)).toEqual([p]);
        expect((await s.app1.passkeys.takeChallenge('register:ses_1', T0))?.challenge).toBe('c');
      });
    });

    describe('local users (app 2)', () => {
      it('deleteBySubject deletes only that (iss, sub), once; upsert then creates a new record', async () => {
        const input = claims();
        const first = await s.app2.users.upsert(input, T0);
        const other = await s.app2.users.upsert(claims({ sub: input.sub, iss: 'http://other.sso.localhost' }), T0);
        expect(await s.app2.users.deleteBySubject(input.iss, input.sub)).toBe(true);
        expect(await s.app2.users.deleteBySubject(input.iss, input.sub)).toBe(false);
        expect(await s.app2.users.findBySubject(input.iss, input.sub)).toBeNull();
        expect((await s.app2.users.findBySubject(other.user.iss ?? 'http://other.sso.localhost', input.sub))?.id).toBe(other.user.id);
        const again = await s.app2.users.upsert(input, T0 + 1);
        expect(again.created).toBe(true);
        expect(again.user.id).not.toBe(first.user.id);
      });

      it('upsert creates on first sight, then returns the same record with created=false', async () => {
        const input = claims();
        const first = await s.app2.users.upsert(input, T0);
        expect(first.created).toBe(true);
        expect(first.user).toMatchObject({ ...input, createdAt: new Date(T0).toISOString(), lastSeenAt: new Date(T0).toISOString() });
        expect(first.user.id).toMatch(/^lu_/);
        const again = await s.app2.users.upsert(input, T0 + 1);
        expect(again).toEqual({ user: first.user, created: false });
        expect(await engine.localUserCount(s)).toBe(1);
      });

      it('lastSeenAt moves at most once per 60 s, but at once when the claims change', async () => {
        const input = claims();
        const created = structuredClone((await s.app2.users.upsert(input, T0)).user);
        expect((await s.app2.users.upsert(input, T0 + 59_999)).user.lastSeenAt).toBe(created.lastSeenAt);
        expect((await s.app2.users.upsert(input, T0 + 60_000)).user.lastSeenAt).toBe(new Date(T0 + 60_000).toISOString());
        const renamed = await s.app2.users.upsert({ ...input, name: 'Alice B.', email: null }, T0 + 60_001);
        expect(renamed).toEqual({
          created: false,
          user: { ...created, name: 'Alice B.', email: null, lastSeenAt: new Date(T0 + 60_001).toISOString() },
        });
        // The change is stored, not only answered.
        expect((await s.app2.users.upsert({ ...input, name: 'Alice B.', email: null }, T0 + 60_002)).user).toEqual(renamed.user);
      });

      it('a changed email_verified alone is a claim change: stored at once (JIT update, ADR 030)', async () => {
        const input = claims();
        const created = structuredClone((await s.app2.users.upsert(input, T0)).user);
        expect(created.emailVerified).toBe(false);
        const verified = await s.app2.users.upsert({ ...input, emailVerified: true }, T0 + 1);
        expect(verified.user).toEqual({ ...created, emailVerified: true, lastSeenAt: new Date(T0 + 1).toISOString() });
        expect((await s.app2.users.upsert({ ...input, emailVerified: true }, T0 + 2)).user).toEqual(verified.user);
      });

      it('one sub under another issuer is another user; hostile subs are plain keys', async () => {
        const sub = uid('usr');
        const a = await s.app2.users.upsert(claims({ sub }), T0);
        const b = await s.app2.users.upsert(claims({ sub, iss: 'http://other-idp.sso.localhost' }), T0);
        expect(b.created).toBe(true);
        expect(b.user.id).not.toBe(a.user.id);
        for (const hostile of ['__proto__', 'constructor', "x'); DROP TABLE app2.local_users; --"]) {
          expect((await s.app2.users.upsert(claims({ sub: hostile }), T0)).created).toBe(true);
          expect((await s.app2.users.upsert(claims({ sub: hostile }), T0)).created).toBe(false);
        }
        expect(await engine.localUserCount(s)).toBe(5);
      });

      it('200 concurrent upserts for one new subject: one record, exactly one told created', async () => {
        const input = claims();
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => s.app2.users.upsert(input, T0 + (i % 3))));
        expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await engine.localUserCount(s)).toBe(1);
      });
    });

    it('data survives closing and reopening the store', async () => {
      const { u, ses } = await userWithSession();
      await s.app1.sessions.rotate(ses.id, ses.refreshHash, `r-${ses.id}`, T0 + 5);
      const other = session(u.id);
      await s.app1.sessions.create(structuredClone(other));
      await s.app1.sessions.revoke([other.id], 'logout', T0 + 6, 60_000);
      const feed = await s.app1.sessions.revocationsSince(0, T0 + 6);
      const local = structuredClone(await s.app2.users.upsert(claims({ sub: u.id }), T0));
      const before = structuredClone(await s.app1.sessions.get(ses.id));

      await engine.close(s);
      s = await engine.reopen();
      expect(await s.app1.users.findById(u.id)).toEqual(u);
      expect(await s.app1.sessions.get(ses.id)).toEqual(before);
      expect((await s.app1.sessions.findByRefreshHash(ses.refreshHash))?.state).toBe('retired');
      expect(await s.app1.sessions.revocationsSince(0, T0 + 6)).toEqual(feed);
      // The cursor keeps increasing across restarts.
      const next = session(u.id);
      await s.app1.sessions.create(structuredClone(next));
      await s.app1.sessions.revoke([next.id], 'logout', T0 + 6, 60_000);
      expect((await s.app1.sessions.revocationsSince(feed.cursor, T0 + 6)).revocations.map((r) => r.sid)).toEqual([next.id]);
      expect(await s.app2.users.upsert(claims({ sub: u.id }), T0 + 1)).toEqual({ user: local.user, created: false });
    });

    it('probe reports a healthy store', async () => {
      expect(await s.app1.probe()).toEqual({ ok: true });
      expect(await s.app2.probe()).toEqual({ ok: true });
    });
  });
}

describe('store configuration', () => {
  const base = { LOG_LEVEL: 'silent' };

  it('lowdb stays the default with no configuration', () => {
    expect(loadApp1Config(base)).toMatchObject({ store: 'lowdb', databaseUrl: null });
    expect(loadApp2Config(base)).toMatchObject({ store: 'lowdb', databaseUrl: null });
  });

  it('STORE=postgres without DATABASE_URL stops start-up with a ConfigError naming both and the fix', () => {
    for (const load of [loadApp1Config, loadApp2Config]) {
      expect(() => load({ ...base, STORE: 'postgres' })).toThrow(ConfigError);
      expect(() => load({ ...base, STORE: 'postgres' })).toThrow(/STORE=postgres needs DATABASE_URL.*postgres:\/\//);
    }
  });

  it('a DATABASE_URL that is not postgres:// is refused without echoing its password; a bad STORE is named', () => {
    const run = () => loadApp1Config({ ...base, STORE: 'postgres', DATABASE_URL: 'mysql://sso:hunter2@db/sso' });
    expect(run).toThrow(/DATABASE_URL \(mysql:\/\/sso:\*\*\*@db\/sso\) must be a postgres:\/\//);
    expect(run).not.toThrow(/hunter2/);
    expect(() => loadApp2Config({ ...base, STORE: 'mongo' })).toThrow(/STORE="mongo": must be lowdb or postgres/);
  });

  it('STORE=postgres with DATABASE_URL is accepted; DATABASE_URL alone only warns', () => {
    const url = 'postgres://sso:secret@127.0.0.1:5432/sso';
    expect(loadApp1Config({ ...base, STORE: 'postgres', DATABASE_URL: url })).toMatchObject({ store: 'postgres', databaseUrl: url, databasePoolMax: 10 });
    expect(loadApp2Config({ ...base, STORE: 'postgres', DATABASE_URL: url, DATABASE_POOL_MAX: '4' })).toMatchObject({ store: 'postgres', databasePoolMax: 4 });
    const lowdb = loadApp1Config({ ...base, DATABASE_URL: url });
    expect(lowdb.store).toBe('lowdb');
    expect(lowdb.warnings.join('\n')).toMatch(/DATABASE_URL is set but STORE is lowdb/);
  });
});

/** The migration files each app ships, in order (other changes add files: the tests follow the directory). */
const shipped = async (dir: string) => (await readdir(dir)).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
const migrationsOf = { app1: await shipped(APP1_MIGRATIONS_DIR), app2: await shipped(APP2_MIGRATIONS_DIR) };
const versionOf = (file: string) => Number(file.split('_')[0]);

describe.skipIf(skipPostgres(probe))(postgresSuiteName('postgres: several store instances on one database', probe), () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(probe);
  });
  afterAll(() => db?.drop());

  it('instances starting together apply each migration once (advisory lock) and record it in schema_migrations', async () => {
    const fresh = await createTestDatabase(probe);
    try {
      const stores = await Promise.all([
        ...Array.from({ length: 4 }, () => openApp1Postgres({ databaseUrl: fresh.url, poolMax: 2 })),
        ...Array.from({ length: 4 }, () => openApp2Postgres({ databaseUrl: fresh.url, poolMax: 2 })),
      ]);
      await Promise.all(stores.map((st) => st.flush()));
      for (const schema of ['app1', 'app2'] as const) {
        const rows = await fresh.query(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
        expect(rows).toEqual(migrationsOf[schema].map((name) => ({ version: versionOf(name), name })));
      }
      // Each app owns its schema only.
      const tables = await fresh.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('app1', 'app2') ORDER BY 1, 2`,
      );
      expect(tables.filter((t) => t.table_schema === 'app2').map((t) => t.table_name)).toEqual(['local_users', 'lowdb_imports', 'schema_migrations']);
    } finally {
      await fresh.drop();
    }
  });

  it('an applied migration that was edited afterwards stops start-up; a new file is applied', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sso-migrations-'));
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE mig_test.t (id int);');
      expect(await runMigrations(pool, { schema: 'mig_test', dir })).toEqual({ applied: ['001_first.sql'], version: 1 });
      expect(await runMigrations(pool, { schema: 'mig_test', dir })).toEqual({ applied: [], version: 1 });
      await writeFile(path.join(dir, '002_second.sql'), 'ALTER TABLE mig_test.t ADD COLUMN name text;');
      expect(await runMigrations(pool, { schema: 'mig_test', dir })).toEqual({ applied: ['002_second.sql'], version: 2 });
      await writeFile(path.join(dir, '003_broken.sql'), 'CREATE TABLE mig_test.u (id int); SELECT no_such_function();');
      await expect(runMigrations(pool, { schema: 'mig_test', dir })).rejects.toThrow(/003_broken\.sql failed on schema mig_test and was rolled back/);
      expect(await db.query(`SELECT to_regclass('mig_test.u') AS t`)).toEqual([{ t: null }]);
      await rm(path.join(dir, '003_broken.sql'));
      await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE mig_test.t (id bigint);');
      await expect(runMigrations(pool, { schema: 'mig_test', dir })).rejects.toThrow(/001_first\.sql was changed after it was applied/);
    } finally {
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the same migrations are what the app ships (bff/app1/migrations is applied as is)', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'sso-migrations-copy-'));
    await cp(APP1_MIGRATIONS_DIR, copy, { recursive: true });
    const store = await openApp1Postgres({ databaseUrl: db.url, poolMax: 1 });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      expect((await runMigrations(pool, { schema: 'app1', dir: copy })).applied).toEqual([]);
    } finally {
      await pool.end();
      await store.flush();
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('`npm run db:migrate` (scripts/db-migrate.ts) migrates both schemas, then finds them up to date', async () => {
    const fresh = await createTestDatabase(probe);
    try {
      const run = () =>
        spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/db-migrate.ts')], {
          cwd: repoRoot,
          env: { ...process.env, DATABASE_URL: fresh.url },
          encoding: 'utf8',
          timeout: 20_000,
        });
      const first = run();
      expect(first.status, first.stderr).toBe(0);
      for (const app of ['app1', 'app2'] as const) {
        const files = migrationsOf[app];
        expect(first.stdout).toMatch(new RegExp(`${app}: applied ${files.join(', ').replaceAll('.', '\\.')} .*version ${versionOf(files.at(-1)!)}\\)`));
      }
      const second = run();
      expect(second.stdout).toContain(
        `app1: schema app1 is up to date (version ${versionOf(migrationsOf.app1.at(-1)!)})\napp2: schema app2 is up to date`,
      );
      const missing = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/db-migrate.ts')], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: '' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/needs DATABASE_URL/);
    } finally {
      await fresh.drop();
    }
  });

  it('two instances: one username, one rotation winner, one local user, shared throttle counts', async () => {
    const [a, b] = [await openApp1Postgres({ databaseUrl: db.url, poolMax: 4 }), await openApp1Postgres({ databaseUrl: db.url, poolMax: 4 })];
    const [c, d] = [await openApp2Postgres({ databaseUrl: db.url, poolMax: 4 }), await openApp2Postgres({ databaseUrl: db.url, poolMax: 4 })];
    try {
      const username = uid('twin').toLowerCase();
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).users.create(structuredClone(user({ username })))));
      expect(created.filter((r) => r.ok)).toHaveLength(1);
      const owner = (created.find((r) => r.ok) as { user: UserRecord }).user;
      expect(await b.users.findByUsername(username)).toEqual(owner);

      const ses = session(owner.id);
      await a.sessions.create(structuredClone(ses));
      const rotations = await Promise.all([a, b, a, b].map((st, i) => st.sessions.rotate(ses.id, ses.refreshHash, `tw-${ses.id}-${i}`, T0 + 1)));
      expect(rotations.filter((r) => r === 'rotated')).toHaveLength(1);
      expect((await b.sessions.findByRefreshHash(ses.refreshHash))?.state).toBe('retired');

      const input = claims();
      const provisioned = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? c : d).users.upsert(input, T0)));
      expect(new Set(provisioned.map((p) => p.user.id)).size).toBe(1);
      expect(provisioned.filter((p) => p.created)).toHaveLength(1);
      expect(await db.query('SELECT count(*)::int AS n FROM app2.local_users WHERE sub = $1', [input.sub])).toEqual([{ n: 1 }]);

      const limits: ThrottleLimits = {
        perUserAddress: { failures: 5, durationSeconds: 60, blockSeconds: 60 },
        perAddress: { failures: 1000, durationSeconds: 60, blockSeconds: 60 },
        perUser: { failures: 1000, durationSeconds: 60, blockSeconds: 60 },
        concurrentPerAddress: 1000,
        concurrentPerUser: 1000,
      };
      const [ta, tb] = [createLoginThrottle(limits, a.pool), createLoginThrottle(limits, b.pool)];
      const attempt = async (t: typeof ta, address: string) => {
        const admission = await t.begin({ username, address });
        if (admission.ok) await admission.ticket.failed();
        return admission.ok;
      };
      // A concurrent burst across both instances: exactly the limit gets through.
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(i % 2 ? ta : tb, '203.0.113.7')));
      expect(burst.filter(Boolean)).toHaveLength(5);
      expect(await attempt(ta, '203.0.113.7')).toBe(false);
      expect(await attempt(tb, '203.0.113.8')).toBe(true);
    } finally {
      await Promise.all([a, b, c, d].map((st) => st.flush()));
    }
  });

  it('a poller never misses a revocation while four instances revoke concurrently (cursor order = commit order)', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openApp1Postgres({ databaseUrl: db.url, poolMax: 4 })));
    try {
      const owner = user();
      await stores[0]!.users.create(structuredClone(owner));
      const all = Array.from({ length: 200 }, () => session(owner.id));
      for (const x of all) await stores[0]!.sessions.create(structuredClone(x));
      const seen = new Set<string>();
      let cursor = (await stores[0]!.sessions.revocationsSince(0, T0)).cursor;
      let revoking = true;
      const poller = (async () => {
        let i = 0;
        while (revoking) {
          const feed = await stores[i++ % 4]!.sessions.revocationsSince(cursor, T0);
          for (const r of feed.revocations) seen.add(r.sid);
          expect(feed.cursor).toBeGreaterThanOrEqual(cursor);
          cursor = feed.cursor;
        }
      })();
      // Many small revocations at one instant from four instances at once.
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let k = w; k < all.length; k += 8) {
            await stores[w]!.sessions.revoke([all[k]!.id, all[k + 4]?.id ?? all[k]!.id], 'logout', T0, 60_000);
          }
        }),
      );
      revoking = false;
      await poller;
      const last = await stores[1]!.sessions.revocationsSince(cursor, T0);
      for (const r of last.revocations) seen.add(r.sid);
      // The last poll may return entries committed after the poller's final
      // read; an entry committed *behind* a cursor already handed out would
      // never come back, so all 200 seen means none was skipped.
      expect(seen.size).toBe(200);
    } finally {
      await Promise.all(stores.map((st) => st.flush()));
    }
  });

  it('text PostgreSQL cannot store is a STORE_REJECTED store error (a 400), a lost database a 503 (StoreError) and an unready probe', async () => {
    const fresh = await createTestDatabase(probe);
    const app1 = await openApp1Postgres({ databaseUrl: fresh.url, poolMax: 2 });
    const app2 = await openApp2Postgres({ databaseUrl: fresh.url, poolMax: 2 });
    try {
      const nul = app1.users.create(structuredClone(user({ name: 'bad\u0000name' })));
      // Storage speaks in store errors; the error handler makes this one a 400 VALIDATION_FAILED.
      await expect(nul).rejects.toBeInstanceOf(StoreError);
      await expect(nul).rejects.toMatchObject({ code: 'STORE_REJECTED' });
      await fresh.drop();
      await expect(app1.users.findByUsername('anyone')).rejects.toBeInstanceOf(StoreError);
      await expect(app1.sessions.revoke(['ses_x'], 'logout', T0, 1000)).rejects.toBeInstanceOf(StoreError);
      await expect(app2.users.upsert(claims(), T0)).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_WRITE_FAILED' });
      expect((await app1.probe()).ok).toBe(false);
      expect((await app2.probe()).ok).toBe(false);
    } finally {
      await app1.flush();
      await app2.flush();
      await fresh.drop();
    }
  });

  it('a store that cannot reach PostgreSQL stops start-up with a StoreError naming the (redacted) URL', async () => {
    await expect(openApp2Postgres({ databaseUrl: 'postgres://sso:topsecret@127.0.0.1:1/nowhere' })).rejects.toThrow(
      /App 2 cannot prepare its PostgreSQL schema at postgres:\/\/sso:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
  });
});
