import path from 'node:path';
import { openJournaledStore, type JournaledStoreOptions } from '@sso/bff-common';
import type { StoredRevocations } from '../sessions/session-store';
import { bcryptCost, type AddGroupResult, type RemoveGroupResult, type UserRecord, type UserStore, type CreateUserResult } from '../users/user-store';
import type { SessionRecord, SessionStore, RefreshLookup } from '../sessions/session-store';
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../recovery/one-time-token-store';
import type { RecoveryCodesRecord, SecondFactorStore, TotpRecord } from '../mfa/second-factor-store';
import type { PasskeyChallengeRecord, PasskeyRecord, PasskeyStore } from '../passkeys/passkey-store';

export interface Revocation {
  sid: string;
  revokedAt: number;
  expiresAt: number;
}

/** An account deletion in the feed (ADR 034): `cursor` comes from the revocations' clock. */
export interface Deletion {
  sub: string;
  cursor: number;
  deletedAt: number;
  expiresAt: number;
}

export type App1Records = {
  users: UserRecord;
  sessions: SessionRecord;
  revocations: Revocation;
  oneTimeTokens: OneTimeTokenRecord;
  totp: TotpRecord;
  recoveryCodes: RecoveryCodesRecord;
  deletions: Deletion;
  passkeys: PasskeyRecord;
  passkeyChallenges: PasskeyChallengeRecord;
};

/** Retired refresh hashes kept per session for theft detection. */
const MAX_RETIRED_HASHES = 20;
/** A session is forgotten this long after its absolute expiry (an ended session's refresh cookie still gets SESSION_ENDED until then). */
const DEAD_SESSION_RETENTION_MS = 24 * 3600_000;
/** Dead sessions examined per new session: pruning keeps pace with sign-ins without a scan of them all. */
const PRUNE_PER_CREATE = 8;

export const APP1_STORE_FILE = 'app1.json';
/** Shared by every session with no retired hash yet; never mutated (a rotation assigns a new list). */
const NO_HASHES: string[] = Object.freeze([]) as unknown as string[];

/** Record kinds and their keys: app 1's journaled store (and readJournaledStore for tests and tools). */
export const APP1_COLLECTIONS: JournaledStoreOptions<App1Records>['collections'] = {
  users: (u) => u.id,
  sessions: (s) => s.id,
  revocations: (r) => r.sid,
  oneTimeTokens: (t) => t.hash,
  totp: (t) => t.userId,
  recoveryCodes: (r) => r.userId,
  deletions: (d) => d.sub,
  passkeys: (p) => p.id,
  passkeyChallenges: (c) => c.key,
};

/**
 * App 1's embedded store: users, sessions and the revocation feed in one
 * journaled lowdb store (ADR 014): a change appends one line, whatever the
 * store's size. Lookups are in-memory Maps, indexed by username, refresh hash
 * and user; every check-and-change runs without an await in between, so it is
 * atomic within the process, and the commit that follows makes it durable
 * before the caller is answered.
 */
export async function openLowdbStore(
  dataDir: string,
  options: { now?: () => number; compactAfterBytes?: number; onWrite?: (seconds: number) => void } = {},
): Promise<{ users: UserStore; sessions: SessionStore; oneTimeTokens: OneTimeTokenStore; secondFactors: SecondFactorStore; passkeys: PasskeyStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }>; compact(): Promise<void> }> {
  const store = await openJournaledStore<App1Records>({
    file: path.join(dataDir, APP1_STORE_FILE),
    collections: APP1_COLLECTIONS,
    keep: {
      sessions: (s, now) => s.absoluteExpiresAt > now - DEAD_SESSION_RETENTION_MS,
      revocations: (r, now) => r.expiresAt > now,
      oneTimeTokens: (t, now) => t.expiresAt > now,
      deletions: (d, now) => d.expiresAt > now,
      passkeyChallenges: (c, now) => c.expiresAt > now,
    },
    ...options,
  });
  const { users: usersById, sessions: sessionsById, revocations, oneTimeTokens: tokensByHash, totp, recoveryCodes, deletions, passkeys: passkeysById, passkeyChallenges } = store.maps;
  const byUsername = new Map<string, UserRecord>();
  for (const u of usersById.values()) {
    // Accounts stored before groups existed.
    u.groups ??= [];
    // Accounts stored before email verification (ADR 030) are unverified.
    u.emailVerified ??= false;
    byUsername.set(u.username, u);
  }
  /** Refresh hash (current or retired) → session; which one is read off the session itself. */
  const byRefresh = new Map<string, SessionRecord>();
  /** Each user's sessions (a list: most users have a handful, and 100k Sets cost more than 100k arrays to build and keep). */
  const byUser = new Map<string, SessionRecord[]>();
  for (const s of sessionsById.values()) index(s);

  function index(s: SessionRecord) {
    // One copy of each user id and of the empty list, not one per session read back (100k users, 500k sessions: tens of MB).
    const owner = usersById.get(s.userId);
    if (owner) s.userId = owner.id;
    if (s.retiredRefreshHashes.length === 0) s.retiredRefreshHashes = NO_HASHES;
    // Sessions stored before "your devices" recorded where they came from.
    s.userAgent ??= null;
    s.address ??= null;
    byRefresh.set(s.refreshHash, s);
    for (const h of s.retiredRefreshHashes) byRefresh.set(h, s);
    const mine = byUser.get(s.userId);
    if (mine) mine.push(s);
    else byUser.set(s.userId, [s]);
  }

  function forget(s: SessionRecord) {
    store.remove('sessions', s.id);
    if (byRefresh.get(s.refreshHash) === s) byRefresh.delete(s.refreshHash);
    for (const h of s.retiredRefreshHashes) if (byRefresh.get(h) === s) byRefresh.delete(h);
    const mine = byUser.get(s.userId);
    const at = mine?.indexOf(s) ?? -1;
    if (at >= 0) mine!.splice(at, 1);
    if (mine?.length === 0) byUser.delete(s.userId);
  }

  /**
   * Incremental pruning. Sessions sit in creation order (a rotation keeps a
   * session's place) and share one absolute lifetime, so the oldest are at
   * the front: look at a few there per new session. Revocations likewise.
   * Compaction and start-up apply the same rules to every record.
   */
  function prune(now: number) {
    let examined = 0;
    for (const s of sessionsById.values()) {
      if (examined++ >= PRUNE_PER_CREATE || s.absoluteExpiresAt > now - DEAD_SESSION_RETENTION_MS) break;
      forget(s);
    }
    examined = 0;
    for (const r of revocations.values()) {
      if (examined++ >= PRUNE_PER_CREATE || r.expiresAt > now) break;
      store.remove('revocations', r.sid);
    }
    examined = 0;
    for (const d of deletions.values()) {
      if (examined++ >= PRUNE_PER_CREATE || d.expiresAt > now) break;
      store.remove('deletions', d.sub);
    }
  }

  /** The next feed cursor: strictly increasing, so a poller's cursor never skips an entry. */
  function nextCursor(now: number): number {
    lastRevokedAt = Math.max(now, lastRevokedAt + 1);
    return lastRevokedAt;
  }

  const users: UserStore = {
    async findByUsername(username) {
      return byUsername.get(username) ?? null;
    },
    async findById(id) {
      return usersById.get(id) ?? null;
    },
    async findByEmail(email) {
      // A scan: only "forgot password" by address asks, under its own limits.
      const wanted = email.toLowerCase();
      const found: UserRecord[] = [];
      for (const u of usersById.values()) if (u.email !== null && u.email.toLowerCase() === wanted) found.push(u);
      return found;
    },
    async create(user): Promise<CreateUserResult> {
      if (byUsername.has(user.username)) return { ok: false, code: 'USERNAME_TAKEN' };
      byUsername.set(user.username, user);
      store.put('users', user);
      await store.commit();
      return { ok: true, user };
    },
    async updatePassword(id, passwordHash) {
      const user = usersById.get(id);
      if (!user) return;
      user.passwordHash = passwordHash;
      store.put('users', user);
      await store.commit();
    },
    async passwordCosts() {
      const counts = new Map<number, number>();
      for (const user of usersById.values()) {
        const cost = bcryptCost(user.passwordHash);
        if (cost !== null) counts.set(cost, (counts.get(cost) ?? 0) + 1);
      }
      return counts;
    },
    async setDisabled(id, disabledAt) {
      const user = usersById.get(id);
      if (!user) return;
      user.disabledAt = disabledAt;
      store.put('users', user);
      await store.commit();
    },
    async list() {
      return [...usersById.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    },
    async addGroup(id, group, max): Promise<AddGroupResult> {
      const user = usersById.get(id);
      if (!user) return 'no-user';
      if (user.groups.includes(group)) return 'present';
      if (user.groups.length >= max) return 'full';
      user.groups = [...user.groups, group];
      store.put('users', user);
      await store.commit();
      return 'added';
    },
    async removeGroup(id, group): Promise<RemoveGroupResult> {
      const user = usersById.get(id);
      if (!user) return 'no-user';
      if (!user.groups.includes(group)) return 'absent';
      user.groups = user.groups.filter((g) => g !== group);
      store.put('users', user);
      await store.commit();
      return 'removed';
    },
    async deleteAccount(id, { now, reason, tokenLifetimeMs, retentionMs }) {
      // No await until the commit: nothing else runs between the checks and the changes.
      const user = usersById.get(id);
      if (!user) return null;
      const revoked: string[] = [];
      for (const s of [...(byUser.get(id) ?? [])]) {
        // A session whose tokens may still be alive goes into the feed first.
        if (s.revokedAt === null && s.absoluteExpiresAt > now - tokenLifetimeMs) {
          store.put('revocations', { sid: s.id, revokedAt: nextCursor(now), expiresAt: now + tokenLifetimeMs });
          revoked.push(s.id);
        }
        forget(s);
      }
      if (totp.has(id)) store.remove('totp', id);
      if (recoveryCodes.has(id)) store.remove('recoveryCodes', id);
      for (const t of tokensByHash.values()) if (t.userId === id) store.remove('oneTimeTokens', t.hash);
      byUsername.delete(user.username);
      store.remove('users', id);
      store.put('deletions', { sub: id, cursor: nextCursor(now), deletedAt: now, expiresAt: now + retentionMs });
      await store.commit();
      return { revoked };
    },
    async setName(id, name) {
      const user = usersById.get(id);
      if (!user) return null;
      user.name = name;
      store.put('users', user);
      await store.commit();
      return { ...user };
    },
    async markEmailVerified(id, email) {
      const user = usersById.get(id);
      // Checked and changed without an await between: a link for an address the account no longer has verifies nothing.
      if (!user || user.email === null || user.email.toLowerCase() !== email.toLowerCase()) return null;
      user.emailVerified = true;
      store.put('users', user);
      await store.commit();
      return { ...user };
    },
    async changeEmail(id, email) {
      const user = usersById.get(id);
      if (!user) return null;
      user.email = email;
      user.emailVerified = true;
      store.put('users', user);
      await store.commit();
      return { ...user };
    },
  };

  let lastRevokedAt = 0;
  for (const r of revocations.values()) lastRevokedAt = Math.max(lastRevokedAt, r.revokedAt);
  for (const d of deletions.values()) lastRevokedAt = Math.max(lastRevokedAt, d.cursor);

  const sessions: SessionStore = {
    async create(session) {
      prune(session.createdAt);
      store.put('sessions', session);
      index(session);
      await store.commit();
    },
    async get(id) {
      return sessionsById.get(id) ?? null;
    },
    async findByRefreshHash(hash): Promise<RefreshLookup> {
      const session = byRefresh.get(hash);
      if (!session) return null;
      return { session, state: session.refreshHash === hash ? 'current' : 'retired' };
    },
    async rotate(id, fromHash, toHash, now) {
      const s = sessionsById.get(id);
      if (!s || s.refreshHash !== fromHash || s.revokedAt !== null) return 'stale';
      const retired = [fromHash, ...s.retiredRefreshHashes];
      for (const dropped of retired.splice(MAX_RETIRED_HASHES)) if (byRefresh.get(dropped) === s) byRefresh.delete(dropped);
      s.retiredRefreshHashes = retired;
      s.refreshHash = toHash;
      s.lastActiveAt = now;
      byRefresh.set(toHash, s);
      store.put('sessions', s);
      await store.commit();
      return 'rotated';
    },
    async reauthenticate(id, amr, authTime) {
      const s = sessionsById.get(id);
      if (!s || s.revokedAt !== null) return null;
      s.amr = [...amr];
      s.authTime = authTime;
      store.put('sessions', s);
      await store.commit();
      return s;
    },
    async revoke(ids, reason, now, tokenLifetimeMs) {
      const revoked: string[] = [];
      for (const id of ids) {
        const s = sessionsById.get(id);
        if (!s || s.revokedAt !== null) continue;
        s.revokedAt = now;
        s.revokeReason = reason;
        store.put('sessions', s);
        store.put('revocations', { sid: id, revokedAt: nextCursor(now), expiresAt: now + tokenLifetimeMs });
        revoked.push(id);
      }
      if (revoked.length) await store.commit();
      return revoked;
    },
    async listActiveForUser(userId, now) {
      return (byUser.get(userId) ?? []).filter((s) => s.revokedAt === null && s.absoluteExpiresAt > now);
    },
    async revocationsSince(cursor, now): Promise<StoredRevocations> {
      const found: Revocation[] = [];
      for (const r of revocations.values()) if (r.revokedAt > cursor && r.expiresAt > now) found.push(r);
      const deleted: StoredRevocations['deletions'] = [];
      for (const d of deletions.values()) if (d.cursor > cursor && d.expiresAt > now) deleted.push({ sub: d.sub, deletedAt: d.deletedAt });
      return { revocations: found, deletions: deleted, cursor: Math.max(cursor, lastRevokedAt) };
    },
  };

  const oneTimeTokens: OneTimeTokenStore = {
    async issue(record) {
      // Void the older ones and add the new one without an await between: atomic in the process.
      for (const t of tokensByHash.values()) {
        if (t.userId === record.userId && t.purpose === record.purpose && t.usedAt === null) store.remove('oneTimeTokens', t.hash);
        else if (t.expiresAt <= record.createdAt) store.remove('oneTimeTokens', t.hash);
      }
      store.put('oneTimeTokens', record);
      await store.commit();
    },
    async consume(hash, purpose, now) {
      const t = tokensByHash.get(hash);
      if (!t || t.purpose !== purpose) return { ok: false, code: 'invalid' };
      if (t.usedAt !== null) return { ok: false, code: 'used' };
      if (t.expiresAt <= now) return { ok: false, code: 'expired' };
      t.usedAt = now;
      store.put('oneTimeTokens', t);
      await store.commit();
      return { ok: true, record: { ...t, email: t.email ?? null } };
    },
    async findLive(userId, purpose, now) {
      let found: OneTimeTokenRecord | null = null;
      for (const t of tokensByHash.values()) {
        if (t.userId === userId && t.purpose === purpose && t.usedAt === null && t.expiresAt > now && (!found || t.createdAt >= found.createdAt)) found = t;
      }
      return found ? { ...found, email: found.email ?? null } : null;
    },
    async voidForUser(userId, purpose) {
      let n = 0;
      for (const t of tokensByHash.values()) {
        if (t.userId === userId && t.purpose === purpose && t.usedAt === null) {
          store.remove('oneTimeTokens', t.hash);
          n++;
        }
      }
      if (n) await store.commit();
      return n;
    },
  };

  // Each check-and-change below runs without an await before its put: atomic in the process.
  const secondFactors: SecondFactorStore = {
    async getTotp(userId) {
      return totp.get(userId) ?? null;
    },
    async beginTotp(record) {
      if (totp.get(record.userId)?.confirmedAt) return false;
      store.put('totp', record);
      await store.commit();
      return true;
    },
    async confirmTotp(userId, step, confirmedAt) {
      const t = totp.get(userId);
      if (!t || t.confirmedAt !== null) return false;
      store.put('totp', { ...t, confirmedAt, lastUsedStep: step });
      await store.commit();
      return true;
    },
    async useTotpStep(userId, step) {
      const t = totp.get(userId);
      if (!t || t.confirmedAt === null || (t.lastUsedStep !== null && step <= t.lastUsedStep)) return false;
      store.put('totp', { ...t, lastUsedStep: step });
      await store.commit();
      return true;
    },
    async deleteTotp(userId) {
      if (!totp.has(userId)) return false;
      store.remove('totp', userId);
      await store.commit();
      return true;
    },
    async setRecoveryCodes(record) {
      store.put('recoveryCodes', record);
      await store.commit();
    },
    async useRecoveryCode(userId, hash) {
      const r = recoveryCodes.get(userId);
      if (!r || !r.hashes.includes(hash)) return false;
      store.put('recoveryCodes', { ...r, hashes: r.hashes.filter((h) => h !== hash) });
      await store.commit();
      return true;
    },
    async recoveryCodesLeft(userId) {
      return recoveryCodes.get(userId)?.hashes.length ?? 0;
    },
    async deleteRecoveryCodes(userId) {
      if (!recoveryCodes.has(userId)) return;
      store.remove('recoveryCodes', userId);
      await store.commit();
    },
  };

  /** Each user's passkey ids (a sign-in with a password asks whether there are any). */
  const passkeysByUser = new Map<string, Set<string>>();
  for (const p of passkeysById.values()) indexPasskey(p);
  function indexPasskey(p: PasskeyRecord) {
    const mine = passkeysByUser.get(p.userId);
    if (mine) mine.add(p.id);
    else passkeysByUser.set(p.userId, new Set([p.id]));
  }
  const mine = (userId: string, id: string) => {
    const p = passkeysById.get(id);
    return p && p.userId === userId ? p : null;
  };
  /** Challenges examined per new one: expired ones go as they are replaced (start-up and compaction drop the rest). */
  const pruneChallenges = (now: number) => {
    let examined = 0;
    for (const c of passkeyChallenges.values()) {
      if (examined++ >= PRUNE_PER_CREATE) break;
      if (c.expiresAt <= now) store.remove('passkeyChallenges', c.key);
    }
  };

  // As above: each check-and-change runs without an await before its put.
  const passkeys: PasskeyStore = {
    async listForUser(userId) {
      const ids = passkeysByUser.get(userId) ?? new Set<string>();
      return [...ids].map((id) => ({ ...passkeysById.get(id)!, transports: [...passkeysById.get(id)!.transports] })).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },
    async get(id) {
      const p = passkeysById.get(id);
      return p ? { ...p, transports: [...p.transports] } : null;
    },
    async add(record, maxPerUser) {
      if (passkeysById.has(record.id)) return 'exists';
      if ((passkeysByUser.get(record.userId)?.size ?? 0) >= maxPerUser) return 'limit';
      store.put('passkeys', record);
      indexPasskey(record);
      await store.commit();
      return 'added';
    },
    async rename(userId, id, name) {
      const p = mine(userId, id);
      if (!p) return null;
      const renamed = { ...p, name };
      store.put('passkeys', renamed);
      await store.commit();
      return { ...renamed, transports: [...renamed.transports] };
    },
    async remove(userId, id) {
      if (!mine(userId, id)) return false;
      store.remove('passkeys', id);
      passkeysByUser.get(userId)?.delete(id);
      if (passkeysByUser.get(userId)?.size === 0) passkeysByUser.delete(userId);
      await store.commit();
      return true;
    },
    async recordUse(id, fromCounter, toCounter, usedAt, backedUp) {
      const p = passkeysById.get(id);
      if (!p || p.counter !== fromCounter) return false;
      store.put('passkeys', { ...p, counter: toCounter, lastUsedAt: usedAt, backedUp });
      await store.commit();
      return true;
    },
    async putChallenge(record, now) {
      pruneChallenges(now);
      store.put('passkeyChallenges', record);
      await store.commit();
    },
    async takeChallenge(key, now) {
      const c = passkeyChallenges.get(key);
      if (!c) return null;
      store.remove('passkeyChallenges', key);
      await store.commit();
      return c.expiresAt > now ? { ...c } : null;
    },
  };

  return { users, sessions, oneTimeTokens, secondFactors, passkeys, flush: () => store.flush(), probe: () => store.probe(), compact: () => store.compact() };
}
