import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { openJsonStore, probeStore } from '@sso/bff-common';
import type { LocalUserRecord, LocalUserStore } from '../users/local-user-store';

interface App2Data {
  version: 1;
  users: LocalUserRecord[];
}

function isApp2Data(data: unknown): data is App2Data {
  const d = data as Partial<App2Data> | null;
  return !!d && d.version === 1 && Array.isArray(d.users);
}

export const APP2_STORE_FILE = 'app2.json';

/** lastSeenAt is refreshed at most this often per user. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

/**
 * App 2's embedded store: its own lowdb file (it never reads app 1's). The
 * (iss, sub) index is a Map, so hostile `sub` values such as `__proto__` are
 * plain keys. Check-and-insert runs with no await in between: atomic.
 */
export async function openLowdbStore(dataDir: string): Promise<{ users: LocalUserStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }> }> {
  const db = await openJsonStore<App2Data>(path.join(dataDir, APP2_STORE_FILE), { version: 1, users: [] }, isApp2Data);
  const key = (iss: string, sub: string) => `${iss}\u0000${sub}`;
  const index = new Map(db.data.users.map((u) => [key(u.iss, u.sub), u]));
  // The latest write: a caller that finds a record still being saved waits
  // for it, so no answer acknowledges a record that is not yet on disk.
  let lastWrite: Promise<void> | null = null;
  const save = () => {
    const write = db.write().finally(() => {
      if (lastWrite === write) lastWrite = null;
    });
    lastWrite = write;
    return write;
  };

  const users: LocalUserStore = {
    async upsert(input, now) {
      const k = key(input.iss, input.sub);
      const existing = index.get(k);
      const at = new Date(now).toISOString();
      if (!existing) {
        const user: LocalUserRecord = { id: `lu_${randomBytes(12).toString('base64url')}`, ...input, createdAt: at, lastSeenAt: at };
        db.data.users.push(user);
        index.set(k, user);
        await save();
        return { user, created: true };
      }
      const changed = existing.username !== input.username || existing.email !== input.email || existing.name !== input.name;
      const stale = now - Date.parse(existing.lastSeenAt) >= LAST_SEEN_GRANULARITY_MS;
      if (changed || stale) {
        existing.username = input.username;
        existing.email = input.email;
        existing.name = input.name;
        existing.lastSeenAt = at;
        await save();
      } else if (lastWrite) {
        await lastWrite.catch(() => undefined);
      }
      return { user: existing, created: false };
    },
  };
  return { users, flush: save, probe: () => probeStore(db as never) };
}
