import path from 'node:path';
import { openJsonStore, probeStore } from '@sso/bff-common';
import type { StoredRevocations } from '../sessions/session-store';
import { bcryptCost, type UserRecord, type UserStore, type CreateUserResult } from '../users/user-store';
import type { SessionRecord, SessionStore, RefreshLookup } from '../sessions/session-store';

interface Revocation {
  sid: string;
  revokedAt: number;
  expiresAt: number;
}

interface App1Data {
  version: 1;
  users: UserRecord[];
  sessions: SessionRecord[];
  revocations: Revocation[];
}

function isApp1Data(data: unknown): data is App1Data {
  const d = data as Partial<App1Data> | null;
  return !!d && d.version === 1 && Array.isArray(d.users) && Array.isArray(d.sessions) && Array.isArray(d.revocations);
}

/** Retired refresh hashes kept per session for theft detection. */
const MAX_RETIRED_HASHES = 20;

export const APP1_STORE_FILE = 'app1.json';

/**
 * App 1's embedded store: one lowdb JSON file with users, sessions and the
 * revocation feed. All lookups are in-memory Maps; every check-and-change runs
 * without an await in between, so it is atomic within the process, and the
 * write that follows is atomic on disk.
 */
export async function openLowdbStore(dataDir: string): Promise<{ users: UserStore; sessions: SessionStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }> }> {
  const db = await openJsonStore<App1Data>(
    path.join(dataDir, APP1_STORE_FILE),
    { version: 1, users: [], sessions: [], revocations: [] },
    isApp1Data,
  );
  const data = db.data;
  const byUsername = new Map(data.users.map((u) => [u.username, u]));
  const byUserId = new Map(data.users.map((u) => [u.id, u]));
  const sessionsById = new Map(data.sessions.map((s) => [s.id, s]));
  const sessionByRefresh = new Map<string, RefreshLookup & object>();
  for (const s of data.sessions) indexRefresh(s);

  function indexRefresh(s: SessionRecord) {
    sessionByRefresh.set(s.refreshHash, { session: s, state: 'current' });
    for (const h of s.retiredRefreshHashes) sessionByRefresh.set(h, { session: s, state: 'retired' });
  }

  const save = () => db.write();

  /** Drops sessions long dead and revocations whose tokens can no longer be alive. */
  function prune(now: number) {
    const keep = data.sessions.filter((s) => s.absoluteExpiresAt > now - 24 * 3600_000);
    if (keep.length !== data.sessions.length) {
      const kept = new Set(keep);
      for (const s of data.sessions) {
        if (kept.has(s)) continue;
        sessionsById.delete(s.id);
        sessionByRefresh.delete(s.refreshHash);
        for (const h of s.retiredRefreshHashes) sessionByRefresh.delete(h);
      }
      data.sessions = keep;
    }
    data.revocations = data.revocations.filter((r) => r.expiresAt > now);
  }

  const users: UserStore = {
    async findByUsername(username) {
      return byUsername.get(username) ?? null;
    },
    async findById(id) {
      return byUserId.get(id) ?? null;
    },
    async create(user): Promise<CreateUserResult> {
      if (byUsername.has(user.username)) return { ok: false, code: 'USERNAME_TAKEN' };
      data.users.push(user);
      byUsername.set(user.username, user);
      byUserId.set(user.id, user);
      await save();
      return { ok: true, user };
    },
    async updatePassword(id, passwordHash) {
      const user = byUserId.get(id);
      if (!user) return;
      user.passwordHash = passwordHash;
      await save();
    },
    async passwordCosts() {
      const counts = new Map<number, number>();
      for (const user of data.users) {
        const cost = bcryptCost(user.passwordHash);
        if (cost !== null) counts.set(cost, (counts.get(cost) ?? 0) + 1);
      }
      return counts;
    },
    async setDisabled(id, disabledAt) {
      const user = byUserId.get(id);
      if (!user) return;
      user.disabledAt = disabledAt;
      await save();
    },
  };

  let lastRevokedAt = data.revocations.reduce((m, r) => Math.max(m, r.revokedAt), 0);

  const sessions: SessionStore = {
    async create(session) {
      prune(session.createdAt);
      data.sessions.push(session);
      sessionsById.set(session.id, session);
      indexRefresh(session);
      await save();
    },
    async get(id) {
      return sessionsById.get(id) ?? null;
    },
    async findByRefreshHash(hash) {
      return sessionByRefresh.get(hash) ?? null;
    },
    async rotate(id, fromHash, toHash, now) {
      const s = sessionsById.get(id);
      if (!s || s.refreshHash !== fromHash || s.revokedAt !== null) return 'stale';
      s.retiredRefreshHashes = [fromHash, ...s.retiredRefreshHashes].slice(0, MAX_RETIRED_HASHES);
      s.refreshHash = toHash;
      s.lastActiveAt = now;
      sessionByRefresh.set(fromHash, { session: s, state: 'retired' });
      sessionByRefresh.set(toHash, { session: s, state: 'current' });
      await save();
      return 'rotated';
    },
    async revoke(ids, reason, now, tokenLifetimeMs) {
      const revoked: string[] = [];
      for (const id of ids) {
        const s = sessionsById.get(id);
        if (!s || s.revokedAt !== null) continue;
        s.revokedAt = now;
        s.revokeReason = reason;
        // Strictly increasing, so the feed cursor never skips an entry.
        lastRevokedAt = Math.max(now, lastRevokedAt + 1);
        data.revocations.push({ sid: id, revokedAt: lastRevokedAt, expiresAt: now + tokenLifetimeMs });
        revoked.push(id);
      }
      if (revoked.length) await save();
      return revoked;
    },
    async listActiveForUser(userId, now) {
      return data.sessions.filter((s) => s.userId === userId && s.revokedAt === null && s.absoluteExpiresAt > now);
    },
    async revocationsSince(cursor, now): Promise<StoredRevocations> {
      const revocations = data.revocations.filter((r) => r.revokedAt > cursor && r.expiresAt > now);
      return { revocations, cursor: Math.max(cursor, lastRevokedAt) };
    },
  };

  return { users, sessions, flush: save, probe: () => probeStore(db as never) };
}
