import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { openJournaledStore } from '@sso/bff-common';
import type { LocalUserRecord, LocalUserStore } from '../users/local-user-store';

export const APP2_STORE_FILE = 'app2.json';

/** lastSeenAt is refreshed at most this often per user. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

/**
 * App 2's embedded store: its own journaled lowdb store (ADR 014; it never
 * reads app 1's), so provisioning costs one appended line however many users
 * it holds. The (iss, sub) index is a Map, so hostile `sub` values such as
 * `__proto__` are plain keys. Check-and-insert runs with no await in between:
 * atomic.
 */
export async function openLowdbStore(
  dataDir: string,
  options: { compactAfterBytes?: number; onWrite?: (seconds: number) => void } = {},
): Promise<{ users: LocalUserStore; flush(): Promise<void>; probe(): Promise<{ ok: boolean; error?: string }>; compact(): Promise<void> }> {
  const store = await openJournaledStore<{ users: LocalUserRecord }>({
    file: path.join(dataDir, APP2_STORE_FILE),
    collections: { users: (u) => u.id },
    ...options,
  });
  const key = (iss: string, sub: string) => `${iss}\u0000${sub}`;
  const index = new Map<string, LocalUserRecord>();
  for (const u of store.maps.users.values()) {
    // Users stored before email_verified existed (ADR 030).
    u.emailVerified ??= false;
    index.set(key(u.iss, u.sub), u);
  }

  const users: LocalUserStore = {
    async upsert(input, now) {
      const k = key(input.iss, input.sub);
      const existing = index.get(k);
      const at = new Date(now).toISOString();
      if (!existing) {
        const user: LocalUserRecord = { id: `lu_${randomBytes(12).toString('base64url')}`, ...input, createdAt: at, lastSeenAt: at };
        index.set(k, user);
        store.put('users', user);
        await store.commit();
        return { user, created: true };
      }
      const changed = existing.username !== input.username || existing.email !== input.email || existing.emailVerified !== input.emailVerified || existing.name !== input.name;
      const stale = now - Date.parse(existing.lastSeenAt) >= LAST_SEEN_GRANULARITY_MS;
      if (changed || stale) {
        existing.username = input.username;
        existing.email = input.email;
        existing.emailVerified = input.emailVerified;
        existing.name = input.name;
        existing.lastSeenAt = at;
        store.put('users', existing);
        await store.commit();
      } else {
        // A record still being saved (a concurrent first sight): no answer
        // acknowledges a record that is not yet on disk.
        await store.settled();
      }
      return { user: existing, created: false };
    },
    async deleteBySubject(iss, sub) {
      const existing = index.get(key(iss, sub));
      if (!existing) return false;
      index.delete(key(iss, sub));
      store.remove('users', existing.id);
      await store.commit();
      return true;
    },
    async findBySubject(iss, sub) {
      return index.get(key(iss, sub)) ?? null;
    },
  };
  return { users, flush: () => store.flush(), probe: () => store.probe(), compact: () => store.compact() };
}
