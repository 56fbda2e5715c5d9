import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../sessions/session-store';
import { openLowdbStore } from './lowdb-store';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 24 * 3600_000;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-app1-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
function session(userId: string, createdAt: number, lifetime = 12 * 3600_000): SessionRecord {
  const id = `ses_${++n}`;
  return { id, userId, createdAt, lastActiveAt: createdAt, absoluteExpiresAt: createdAt + lifetime, refreshHash: `h_${id}`, retiredRefreshHashes: [], revokedAt: null, revokeReason: null, userAgent: null, address: null };
}
const journalBytes = async () => {
  let total = 0;
  for (const f of await readdir(dir)) if (f.includes('.journal-')) total += (await stat(path.join(dir, f))).size;
  return total;
};

describe("app 1's embedded store at size", () => {
  it('a sign-in, a renewal and a revocation each append a line of their own size, however many sessions the store holds', async () => {
    const store = await openLowdbStore(dir, { now: () => T0 });
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 500 }, (_, j) => store.sessions.create(session(`usr_${(i * 500 + j) % 1000}`, T0))));
    await store.compact();
    const snapshot = (await stat(path.join(dir, 'app1.json'))).size;
    expect(snapshot).toBeGreaterThan(5000 * 200);

    const before = await journalBytes();
    const s = session('usr_1', T0 + 1);
    const first = s.refreshHash;
    await store.sessions.create(s);
    expect(await store.sessions.rotate(s.id, s.refreshHash, 'h_next', T0 + 2)).toBe('rotated');
    expect(await store.sessions.revoke([s.id], 'logout', T0 + 3, 600_000)).toEqual([s.id]);
    // Four lines (create, rotate, revoke: session and feed entry), well under 2 kB; the snapshot untouched.
    expect((await journalBytes()) - before).toBeLessThan(2000);
    expect((await stat(path.join(dir, 'app1.json'))).size).toBe(snapshot);

    const reopened = await openLowdbStore(dir, { now: () => T0 });
    expect(await reopened.sessions.get(s.id)).toMatchObject({ refreshHash: 'h_next', revokedAt: T0 + 3, retiredRefreshHashes: [first] });
    expect((await reopened.sessions.revocationsSince(0, T0 + 4)).revocations).toEqual([{ sid: s.id, revokedAt: T0 + 3, expiresAt: T0 + 3 + 600_000 }]);
  });

  it('dead sessions are pruned a few at a time as new ones arrive, and stay gone after a restart', async () => {
    let now = T0;
    const store = await openLowdbStore(dir, { now: () => now });
    const old = Array.from({ length: 40 }, (_, i) => session(`usr_old${i % 3}`, T0));
    for (const s of old) await store.sessions.create(s);
    // Two days later the 40 are a day past their absolute expiry: each new session removes at most 8 of them.
    now = T0 + 2 * DAY;
    await store.sessions.create(session('usr_new', now));
    const left = async () => (await Promise.all(old.map((s) => store.sessions.get(s.id)))).filter(Boolean).length;
    expect(await left()).toBe(32);
    for (let i = 0; i < 4; i++) await store.sessions.create(session('usr_new', now));
    expect(await left()).toBe(0);
    expect(await store.sessions.findByRefreshHash(old[0]!.refreshHash)).toBeNull();
    expect(await store.sessions.listActiveForUser('usr_old0', 0)).toEqual([]);
    expect(await store.sessions.listActiveForUser('usr_new', now)).toHaveLength(5);
    const reopened = await openLowdbStore(dir, { now: () => now });
    expect(await reopened.sessions.get(old[39]!.id)).toBeNull();
    expect(await reopened.sessions.listActiveForUser('usr_new', now)).toHaveLength(5);
  });

  it('start-up drops what is long dead without waiting for new sessions', async () => {
    const store = await openLowdbStore(dir, { now: () => T0 });
    const s = session('usr_a', T0);
    await store.sessions.create(s);
    await store.sessions.revoke([s.id], 'logout', T0, 600_000);
    const nextDay = await openLowdbStore(dir, { now: () => T0 + 12 * 3600_000 + DAY + 1 });
    expect(await nextDay.sessions.get(s.id)).toBeNull();
    expect((await nextDay.sessions.revocationsSince(0, T0)).revocations).toEqual([]);
  });

  it('a session keeps its last 20 refresh hashes for theft detection; older ones leave the index too (no growth per renewal)', async () => {
    const store = await openLowdbStore(dir, { now: () => T0 });
    const s = session('usr_r', T0);
    await store.sessions.create(s);
    let hash = s.refreshHash;
    const hashes = [hash];
    for (let i = 0; i < 30; i++) {
      const next = `h_rot_${i}`;
      expect(await store.sessions.rotate(s.id, hash, next, T0 + i)).toBe('rotated');
      hash = next;
      hashes.push(next);
    }
    // 31 hashes seen: the current one, 20 retired, the 10 oldest forgotten.
    expect(await store.sessions.findByRefreshHash(hash)).toMatchObject({ state: 'current' });
    for (const h of hashes.slice(10, 30)) expect(await store.sessions.findByRefreshHash(h)).toMatchObject({ state: 'retired' });
    for (const h of hashes.slice(0, 10)) expect(await store.sessions.findByRefreshHash(h)).toBeNull();
    const reopened = await openLowdbStore(dir, { now: () => T0 });
    expect(await reopened.sessions.findByRefreshHash(hashes[10]!)).toMatchObject({ state: 'retired' });
    expect(await reopened.sessions.findByRefreshHash(hashes[9]!)).toBeNull();
  });
});
