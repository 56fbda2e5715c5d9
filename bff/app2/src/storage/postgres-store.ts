import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openPgDatabase, StoreError, type PostgresStoreOptions } from '@sso/bff-common';
import type { LocalUserRecord, LocalUserStore, ProvisionInput } from '../users/local-user-store';
import { LAST_SEEN_GRANULARITY_MS } from './lowdb-store';

/** Users kept in the per-instance hot-path cache. */
const RECENT_USERS_MAX = 10_000;

/** App 2's tables live in this schema only; it never reads app 1's schema. */
export const APP2_SCHEMA = 'app2';
export const APP2_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

interface LocalUserRow {
  id: string;
  iss: string;
  sub: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  created_at: Date;
  last_seen_at: Date;
}

function toLocalUser(r: LocalUserRow): LocalUserRecord {
  return {
    id: r.id,
    iss: r.iss,
    sub: r.sub,
    username: r.username,
    email: r.email,
    emailVerified: r.email_verified,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  };
}

/**
 * App 2's store on PostgreSQL, for several instances. Just-in-time
 * provisioning is one INSERT ... ON CONFLICT (iss, sub) DO UPDATE: however
 * many instances see a new subject at once, one row results, and exactly one
 * caller is told `created` (the row its own statement inserted: xmax = 0).
 * Claims are updated when they change; lastSeenAt at most once per
 * LAST_SEEN_GRANULARITY_MS otherwise, so steady traffic does not write.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<{
  users: LocalUserStore;
  flush(): Promise<void>;
  probe(): Promise<{ ok: boolean; error?: string }>;
}> {
  const db = await openPgDatabase(options, { name: 'app2', label: 'App 2', schema: APP2_SCHEMA, migrationsDir: APP2_MIGRATIONS_DIR });
  const { query } = db;

  /** Most recently seen users of this instance, for the query-free hot path. */
  const recent = new Map<string, LocalUserRecord>();

  async function upsertInDatabase(input: ProvisionInput, now: number): Promise<{ user: LocalUserRecord; created: boolean }> {
    const at = new Date(now).toISOString();
    const upserted = await query<LocalUserRow & { created: boolean }>(
      'write',
      `INSERT INTO app2.local_users AS u (id, iss, sub, username, email, name, created_at, last_seen_at, email_verified)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $9)
       ON CONFLICT (iss, sub) DO UPDATE
         SET username = EXCLUDED.username, email = EXCLUDED.email, email_verified = EXCLUDED.email_verified, name = EXCLUDED.name, last_seen_at = EXCLUDED.last_seen_at
         WHERE u.username IS DISTINCT FROM EXCLUDED.username
            OR u.email IS DISTINCT FROM EXCLUDED.email
            OR u.email_verified IS DISTINCT FROM EXCLUDED.email_verified
            OR u.name IS DISTINCT FROM EXCLUDED.name
            OR u.last_seen_at <= EXCLUDED.last_seen_at - $8::double precision * interval '1 millisecond'
       RETURNING u.*, (u.xmax = 0) AS created`,
      [`lu_${randomBytes(12).toString('base64url')}`, input.iss, input.sub, input.username, input.email, input.name, at, LAST_SEEN_GRANULARITY_MS, input.emailVerified],
    );
    const row = upserted.rows[0];
    if (row) return { user: toLocalUser(row), created: row.created };
    // Known subject, nothing to change: the conflicting row was left as it
    // is (no write) and RETURNING gave nothing. Deleted meanwhile (the
    // account was deleted at the identity app): an error, answered 503.
    const found = await query<LocalUserRow>('read', 'SELECT * FROM app2.local_users WHERE iss = $1 AND sub = $2', [input.iss, input.sub]);
    if (!found.rows[0]) throw new StoreError('STORE_UNREADABLE', `local user (${input.iss}, ${input.sub}) vanished during provisioning`);
    return { user: toLocalUser(found.rows[0]), created: false };
  }

  const users: LocalUserStore = {
    async upsert(input, now) {
      // The hot path: a user seen here within the last-seen granularity with
      // the same claims needs no query at all (ids and createdAt never change).
      const cacheKey = `${input.iss}\u0000${input.sub}`;
      const cached = recent.get(cacheKey);
      if (
        cached &&
        cached.username === input.username &&
        cached.email === input.email &&
        cached.emailVerified === input.emailVerified &&
        cached.name === input.name &&
        now - Date.parse(cached.lastSeenAt) < LAST_SEEN_GRANULARITY_MS
      ) {
        return { user: cached, created: false };
      }
      const result = await upsertInDatabase(input, now);
      if (recent.size >= RECENT_USERS_MAX) recent.delete(recent.keys().next().value!);
      recent.delete(cacheKey);
      recent.set(cacheKey, result.user);
      return result;
    },
    async deleteBySubject(iss, sub) {
      // This instance's hot-path copy goes too; other instances drop theirs on the same feed entry.
      recent.delete(`${iss}\u0000${sub}`);
      const { rowCount } = await query('write', 'DELETE FROM app2.local_users WHERE iss = $1 AND sub = $2', [iss, sub]);
      return (rowCount ?? 0) > 0;
    },
    async findBySubject(iss, sub) {
      const { rows } = await query<LocalUserRow>('read', 'SELECT * FROM app2.local_users WHERE iss = $1 AND sub = $2', [iss, sub]);
      return rows[0] ? toLocalUser(rows[0]) : null;
    },
  };

  return {
    users,
    flush: db.end,
    probe: db.probe,
  };
}
