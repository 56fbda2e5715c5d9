import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Pool } from 'pg';
import { openPgDatabase, type PostgresStoreOptions } from '@sso/bff-common';
import type { StoredRevocations } from '../sessions/session-store';
import type { RefreshLookup, SessionRecord, SessionStore } from '../sessions/session-store';
import type { AddGroupResult, CreateUserResult, RemoveGroupResult, UserRecord, UserStore } from '../users/user-store';
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../recovery/one-time-token-store';
import type { SecondFactorStore, TotpRecord } from '../mfa/second-factor-store';
import type { PasskeyRecord, PasskeyStore } from '../passkeys/passkey-store';

/** App 1's tables live in this schema only; app 2 has its own and never reads this one. */
export const APP1_SCHEMA = 'app1';
export const APP1_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Sessions are deleted this long after their absolute expiry (as in lowdb). */
const SESSION_RETENTION_MS = 24 * 3600_000;
/** Each instance prunes dead sessions and feed entries at most this often. */
const PRUNE_INTERVAL_MS = 60_000;

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  last_active_at: string;
  absolute_expires_at: string;
  refresh_hash: string;
  retired: string[];
  revoked_at: string | null;
  revoke_reason: string | null;
  user_agent: string | null;
  address: string | null;
  amr: string[] | null;
  auth_time: string | null;
}

const SESSION_COLUMNS = `s.id, s.user_id, s.created_at, s.last_active_at, s.absolute_expires_at, s.refresh_hash, s.revoked_at, s.revoke_reason, s.user_agent, s.address, s.amr, s.auth_time,
  ARRAY(SELECT r.hash FROM app1.retired_refresh_hashes r WHERE r.session_id = s.id ORDER BY r.seq DESC) AS retired`;

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    createdAt: Number(r.created_at),
    lastActiveAt: Number(r.last_active_at),
    absoluteExpiresAt: Number(r.absolute_expires_at),
    refreshHash: r.refresh_hash,
    retiredRefreshHashes: r.retired,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokeReason: r.revoke_reason,
    userAgent: r.user_agent,
    address: r.address,
    ...(r.amr ? { amr: r.amr } : {}),
    ...(r.auth_time !== null ? { authTime: Number(r.auth_time) } : {}),
  };
}

function toTotp(r: { user_id: string; sealed_secret: string; created_at: Date; confirmed_at: Date | null; last_used_step: string | null }): TotpRecord {
  return {
    userId: r.user_id,
    sealedSecret: r.sealed_secret,
    createdAt: r.created_at.toISOString(),
    confirmedAt: r.confirmed_at ? r.confirmed_at.toISOString() : null,
    lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
  };
}

interface PasskeyRow {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  counter: string;
  transports: string[];
  device_type: PasskeyRecord['deviceType'];
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

function toPasskey(r: PasskeyRow): PasskeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: r.transports,
    deviceType: r.device_type,
    backedUp: r.backed_up,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
  };
}

function toUser(r: { id: string; username: string; email: string | null; email_verified: boolean; name: string | null; password_hash: string; created_at: Date; disabled_at: Date | null; groups: string[] | null }): UserRecord {
  return {
    groups: r.groups ?? [],
    id: r.id,
    username: r.username,
    email: r.email,
    emailVerified: r.email_verified,
    name: r.name,
    passwordHash: r.password_hash,
    createdAt: r.created_at.toISOString(),
    disabledAt: r.disabled_at ? r.disabled_at.toISOString() : null,
  };
}

/**
 * App 1's store on PostgreSQL, for several instances behind a load balancer.
 * Same interfaces and behaviour as the lowdb store; every check-and-change is
 * one statement (or one transaction) so it is atomic across instances:
 * unique usernames by a unique index, refresh rotation by a compare-and-swap
 * UPDATE, the revocation feed by a table every instance reads.
 *
 * `pool` is exposed for the shared login-throttle counters. `flush` ends the
 * pool: call it once, when the app closes.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<{
  users: UserStore;
  sessions: SessionStore;
  oneTimeTokens: OneTimeTokenStore;
  secondFactors: SecondFactorStore;
  passkeys: PasskeyStore;
  flush(): Promise<void>;
  probe(): Promise<{ ok: boolean; error?: string }>;
  pool: Pool;
}> {
  const db = await openPgDatabase(options, { name: 'app1', label: 'App 1', schema: APP1_SCHEMA, migrationsDir: APP1_MIGRATIONS_DIR });
  const { pool } = db;
  const read = <R extends pg.QueryResultRow = any>(text: string, values?: unknown[]) => db.query<R>('read', text, values);
  const write = <R extends pg.QueryResultRow = any>(text: string, values?: unknown[]) => db.query<R>('write', text, values);

  let lastPruneAt = 0;
  /**
   * Drops sessions long dead and feed entries whose tokens can no longer be
   * alive. Housekeeping only: a failure is logged and retried next time, it
   * never fails the sign-in that triggered it.
   */
  async function prune(now: number) {
    if (now - lastPruneAt < PRUNE_INTERVAL_MS) return;
    lastPruneAt = now;
    try {
      await pool.query('DELETE FROM app1.sessions WHERE absolute_expires_at <= $1', [now - SESSION_RETENTION_MS]);
      await pool.query('DELETE FROM app1.revocations WHERE expires_at <= $1', [now]);
      await pool.query('DELETE FROM app1.one_time_tokens WHERE expires_at <= $1', [now]);
      await pool.query('DELETE FROM app1.deletions WHERE expires_at <= $1', [now]);
      await pool.query('DELETE FROM app1.passkey_challenges WHERE expires_at <= $1', [now]);
    } catch (err) {
      lastPruneAt = 0;
      options.logger?.warn({ err: String(err) }, 'pruning expired sessions failed; will retry');
    }
  }

  const users: UserStore = {
    async findByUsername(username) {
      const { rows } = await read('SELECT * FROM app1.users WHERE username = $1', [username]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findById(id) {
      const { rows } = await read('SELECT * FROM app1.users WHERE id = $1', [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findByEmail(email) {
      const { rows } = await read('SELECT * FROM app1.users WHERE lower(email) = lower($1) ORDER BY created_at, id', [email]);
      return rows.map(toUser);
    },
    async create(user): Promise<CreateUserResult> {
      // The unique index decides; no check-then-insert window between instances.
      const { rowCount } = await write(
        `INSERT INTO app1.users (id, username, email, name, password_hash, created_at, disabled_at, groups, email_verified)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (username) DO NOTHING`,
        [user.id, user.username, user.email, user.name, user.passwordHash, user.createdAt, user.disabledAt, user.groups, user.emailVerified],
      );
      return rowCount === 1 ? { ok: true, user } : { ok: false, code: 'USERNAME_TAKEN' };
    },
    async updatePassword(id, passwordHash) {
      await write('UPDATE app1.users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
    },
    async passwordCosts() {
      // "$2b$10$...": the two digits after the version.
      const { rows } = await read<{ cost: string; n: number }>(
        `SELECT cost, count(*)::int AS n
           FROM (SELECT substring(password_hash from '^\\$2[abxy]?\\$([0-9]{2})\\$') AS cost FROM app1.users) c
          WHERE cost IS NOT NULL GROUP BY cost`,
      );
      return new Map(rows.map((r) => [Number(r.cost), r.n]));
    },
    async setDisabled(id, disabledAt) {
      await write('UPDATE app1.users SET disabled_at = $2 WHERE id = $1', [id, disabledAt]);
    },
    async list() {
      const { rows } = await read('SELECT * FROM app1.users ORDER BY username');
      return rows.map(toUser);
    },
    async addGroup(id, group, max): Promise<AddGroupResult> {
      // One conditional UPDATE: two operators adding at once cannot pass the cap.
      const { rowCount } = await write(
        'UPDATE app1.users SET groups = array_append(groups, $2) WHERE id = $1 AND NOT ($2 = ANY(groups)) AND cardinality(groups) < $3',
        [id, group, max],
      );
      if (rowCount === 1) return 'added';
      const { rows } = await read<{ groups: string[] }>('SELECT groups FROM app1.users WHERE id = $1', [id]);
      if (!rows[0]) return 'no-user';
      return rows[0].groups.includes(group) ? 'present' : 'full';
    },
    async removeGroup(id, group): Promise<RemoveGroupResult> {
      const { rowCount } = await write('UPDATE app1.users SET groups = array_remove(groups, $2) WHERE id = $1 AND $2 = ANY(groups)', [id, group]);
      if (rowCount === 1) return 'removed';
      const { rows } = await read('SELECT 1 FROM app1.users WHERE id = $1', [id]);
      return rows[0] ? 'absent' : 'no-user';
    },
    async deleteAccount(id, { now, reason, tokenLifetimeMs, retentionMs }) {
      return db.transaction(async (client) => {
        // The clock first, as every revocation: feed cursors stay in commit order.
        const clock = await client.query<{ last: string }>('SELECT last FROM app1.revocation_clock WHERE id FOR UPDATE');
        const user = await client.query('SELECT id FROM app1.users WHERE id = $1 FOR UPDATE', [id]);
        if (user.rowCount !== 1) return null;
        const updated = await client.query<{ id: string }>(
          'UPDATE app1.sessions SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL AND absolute_expires_at > $4 RETURNING id',
          [id, now, reason, now - tokenLifetimeMs],
        );
        const revoked = updated.rows.map((r) => r.id).sort();
        let last = Number(clock.rows[0]!.last);
        const cursors = revoked.map(() => (last = Math.max(now, last + 1)));
        if (revoked.length) {
          await client.query(
            'INSERT INTO app1.revocations (revoked_at, sid, expires_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])',
            [cursors, revoked, revoked.map(() => now + tokenLifetimeMs)],
          );
        }
        last = Math.max(now, last + 1);
        await client.query('INSERT INTO app1.deletions (cursor, sub, deleted_at, expires_at) VALUES ($1, $2, $3, $4)', [last, id, now, now + retentionMs]);
        await client.query('UPDATE app1.revocation_clock SET last = $1 WHERE id', [last]);
        // Retired refresh hashes, second factors and one-time tokens go by ON DELETE CASCADE.
        await client.query('DELETE FROM app1.sessions WHERE user_id = $1', [id]);
        await client.query('DELETE FROM app1.users WHERE id = $1', [id]);
        return { revoked };
      });
    },
    async setName(id, name) {
      const { rows } = await write('UPDATE app1.users SET name = $2 WHERE id = $1 RETURNING *', [id, name]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async markEmailVerified(id, email) {
      // Conditional: a link for an address the account no longer has verifies nothing.
      const { rows } = await write('UPDATE app1.users SET email_verified = true WHERE id = $1 AND lower(email) = lower($2) RETURNING *', [id, email]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async changeEmail(id, email) {
      const { rows } = await write('UPDATE app1.users SET email = $2, email_verified = true WHERE id = $1 RETURNING *', [id, email]);
      return rows[0] ? toUser(rows[0]) : null;
    },
  };

  const sessions: SessionStore = {
    async create(session) {
      await prune(session.createdAt);
      await write(
        `WITH s AS (
           INSERT INTO app1.sessions (id, user_id, created_at, last_active_at, absolute_expires_at, refresh_hash, revoked_at, revoke_reason, user_agent, address, amr, auth_time)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12, $13) RETURNING id
         )
         INSERT INTO app1.retired_refresh_hashes (hash, session_id)
         SELECT t.hash, (SELECT id FROM s) FROM unnest($9::text[]) WITH ORDINALITY AS t(hash, n) ORDER BY t.n DESC`,
        [
          session.id,
          session.userId,
          session.createdAt,
          session.lastActiveAt,
          session.absoluteExpiresAt,
          session.refreshHash,
          session.revokedAt,
          session.revokeReason,
          session.retiredRefreshHashes,
          session.userAgent,
          session.address,
          session.amr ?? null,
          session.authTime ?? null,
        ],
      );
    },
    async get(id) {
      const { rows } = await read<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM app1.sessions s WHERE s.id = $1`, [id]);
      return rows[0] ? toSession(rows[0]) : null;
    },
    async findByRefreshHash(hash): Promise<RefreshLookup> {
      // One statement, one snapshot: a hash is seen either as current or as
      // retired, never as neither while a rotation commits.
      const { rows } = await read<SessionRow & { state: 'current' | 'retired' }>(
        `SELECT 'current' AS state, ${SESSION_COLUMNS} FROM app1.sessions s WHERE s.refresh_hash = $1
         UNION ALL
         SELECT 'retired' AS state, ${SESSION_COLUMNS}
           FROM app1.retired_refresh_hashes h JOIN app1.sessions s ON s.id = h.session_id WHERE h.hash = $1
         LIMIT 1`,
        [hash],
      );
      return rows[0] ? { session: toSession(rows[0]), state: rows[0].state } : null;
    },
    async rotate(id, fromHash, toHash, now) {
      // Compare-and-swap: of two instances rotating one token at once, the
      // second UPDATE waits for the first, re-checks refresh_hash and matches
      // nothing. The old hash becomes retired in the same statement.
      const { rowCount } = await write(
        `WITH rotated AS (
           UPDATE app1.sessions SET refresh_hash = $3, last_active_at = $4
            WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL
           RETURNING id
         )
         INSERT INTO app1.retired_refresh_hashes (hash, session_id) SELECT $2, id FROM rotated`,
        [id, fromHash, toHash, now],
      );
      return rowCount === 1 ? 'rotated' : 'stale';
    },
    async reauthenticate(id, amr, authTime) {
      const { rowCount } = await write('UPDATE app1.sessions SET amr = $2, auth_time = $3 WHERE id = $1 AND revoked_at IS NULL', [id, [...amr], authTime]);
      if (rowCount !== 1) return null;
      const { rows } = await read<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM app1.sessions s WHERE s.id = $1`, [id]);
      return rows[0] ? toSession(rows[0]) : null;
    },
    async revoke(ids, reason, now, tokenLifetimeMs) {
      if (ids.length === 0) return [];
      return db.transaction(async (client) => {
        // Every revocation locks the clock first: revocations commit one after
        // another, in cursor order, so the feed never skips an entry.
        const clock = await client.query<{ last: string }>('SELECT last FROM app1.revocation_clock WHERE id FOR UPDATE');
        const updated = await client.query<{ id: string }>(
          'UPDATE app1.sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = ANY($1::text[]) AND revoked_at IS NULL RETURNING id',
          [[...ids], now, reason],
        );
        const newly = new Set(updated.rows.map((r) => r.id));
        const revoked = [...new Set(ids)].filter((id) => newly.has(id));
        if (revoked.length) {
          let last = Number(clock.rows[0]!.last);
          // Strictly increasing, as in lowdb: the clock value, or one past the last.
          const cursors = revoked.map(() => (last = Math.max(now, last + 1)));
          await client.query(
            'INSERT INTO app1.revocations (revoked_at, sid, expires_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])',
            [cursors, revoked, revoked.map(() => now + tokenLifetimeMs)],
          );
          await client.query('UPDATE app1.revocation_clock SET last = $1 WHERE id', [last]);
        }
        return revoked;
      });
    },
    async listActiveForUser(userId, now) {
      const { rows } = await read<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM app1.sessions s
          WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.absolute_expires_at > $2 ORDER BY s.created_at, s.id`,
        [userId, now],
      );
      return rows.map(toSession);
    },
    async revocationsSince(cursor, now): Promise<StoredRevocations> {
      // The clock and the entries are read in one statement, one snapshot:
      // the cursor handed out never runs ahead of the entries returned.
      const { rows } = await read<{ last: string; revocations: { sid: string; revokedAt: number; expiresAt: number }[]; deletions: { sub: string; deletedAt: number }[] }>(
        `SELECT c.last,
           COALESCE((SELECT json_agg(json_build_object('sid', r.sid, 'revokedAt', r.revoked_at, 'expiresAt', r.expires_at) ORDER BY r.revoked_at)
                       FROM app1.revocations r WHERE r.revoked_at > $1 AND r.expires_at > $2), '[]') AS revocations,
           COALESCE((SELECT json_agg(json_build_object('sub', d.sub, 'deletedAt', d.deleted_at) ORDER BY d.cursor)
                       FROM app1.deletions d WHERE d.cursor > $1 AND d.expires_at > $2), '[]') AS deletions
           FROM app1.revocation_clock c`,
        [cursor, now],
      );
      const row = rows[0];
      const last = row ? Number(row.last) : 0;
      return { revocations: row?.revocations ?? [], deletions: row?.deletions ?? [], cursor: Math.max(cursor, last) };
    },
  };

  const toToken = (r: { hash: string; purpose: OneTimeTokenRecord['purpose']; user_id: string; created_at: string; expires_at: string; used_at: string | null; email: string | null }): OneTimeTokenRecord => ({
    hash: r.hash,
    purpose: r.purpose,
    userId: r.user_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    email: r.email,
  });

  const oneTimeTokens: OneTimeTokenStore = {
    async issue(t) {
      await db.transaction(async (client) => {
        // Two instances issuing for one user at once queue here, so exactly one token survives.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`one-time-token:${t.userId}:${t.purpose}`]);
        await client.query('DELETE FROM app1.one_time_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [t.userId, t.purpose]);
        await client.query(
          'INSERT INTO app1.one_time_tokens (hash, purpose, user_id, created_at, expires_at, used_at, email) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [t.hash, t.purpose, t.userId, t.createdAt, t.expiresAt, t.usedAt, t.email ?? null],
        );
      });
    },
    async consume(hash, purpose, now) {
      // One conditional UPDATE: of concurrent redemptions, the row lock lets exactly one match.
      const { rows } = await write(
        'UPDATE app1.one_time_tokens SET used_at = $3 WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING *',
        [hash, purpose, now],
      );
      if (rows[0]) return { ok: true, record: toToken(rows[0]) };
      const { rows: seen } = await read('SELECT * FROM app1.one_time_tokens WHERE hash = $1 AND purpose = $2', [hash, purpose]);
      if (!seen[0]) return { ok: false, code: 'invalid' };
      return { ok: false, code: seen[0].used_at !== null ? 'used' : 'expired' };
    },
    async findLive(userId, purpose, now) {
      const { rows } = await read(
        'SELECT * FROM app1.one_time_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 1',
        [userId, purpose, now],
      );
      return rows[0] ? toToken(rows[0]) : null;
    },
    async voidForUser(userId, purpose) {
      const { rowCount } = await write('DELETE FROM app1.one_time_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [userId, purpose]);
      return rowCount ?? 0;
    },
  };

  // Each check-and-change is one conditional statement: atomic across instances.
  const secondFactors: SecondFactorStore = {
    async getTotp(userId) {
      const { rows } = await read('SELECT * FROM app1.totp_factors WHERE user_id = $1', [userId]);
      return rows[0] ? toTotp(rows[0]) : null;
    },
    async beginTotp(t) {
      const { rowCount } = await write(
        `INSERT INTO app1.totp_factors (user_id, sealed_secret, created_at, confirmed_at, last_used_step) VALUES ($1, $2, $3, NULL, NULL)
         ON CONFLICT (user_id) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret, created_at = EXCLUDED.created_at, last_used_step = NULL
          WHERE app1.totp_factors.confirmed_at IS NULL`,
        [t.userId, t.sealedSecret, t.createdAt],
      );
      return rowCount === 1;
    },
    async confirmTotp(userId, step, confirmedAt) {
      const { rowCount } = await write('UPDATE app1.totp_factors SET confirmed_at = $3, last_used_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL', [
        userId,
        step,
        confirmedAt,
      ]);
      return rowCount === 1;
    },
    async useTotpStep(userId, step) {
      // Of two instances accepting one code at once, the second UPDATE waits, re-checks and matches nothing.
      const { rowCount } = await write(
        `UPDATE app1.totp_factors SET last_used_step = $2
          WHERE user_id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)`,
        [userId, step],
      );
      return rowCount === 1;
    },
    async deleteTotp(userId) {
      const { rowCount } = await write('DELETE FROM app1.totp_factors WHERE user_id = $1', [userId]);
      return rowCount === 1;
    },
    async setRecoveryCodes(r) {
      await db.transaction(async (client) => {
        await client.query('DELETE FROM app1.recovery_codes WHERE user_id = $1', [r.userId]);
        await client.query('INSERT INTO app1.recovery_codes (user_id, hash, created_at) SELECT $1, h, $3 FROM unnest($2::text[]) AS h', [r.userId, r.hashes, r.createdAt]);
      });
    },
    async useRecoveryCode(userId, hash) {
      const { rowCount } = await write('DELETE FROM app1.recovery_codes WHERE user_id = $1 AND hash = $2', [userId, hash]);
      return rowCount === 1;
    },
    async recoveryCodesLeft(userId) {
      const { rows } = await read<{ n: number }>('SELECT count(*)::int AS n FROM app1.recovery_codes WHERE user_id = $1', [userId]);
      return rows[0]?.n ?? 0;
    },
    async deleteRecoveryCodes(userId) {
      await write('DELETE FROM app1.recovery_codes WHERE user_id = $1', [userId]);
    },
  };

  const passkeys: PasskeyStore = {
    async listForUser(userId) {
      const { rows } = await read<PasskeyRow>('SELECT * FROM app1.passkeys WHERE user_id = $1 ORDER BY created_at, id', [userId]);
      return rows.map(toPasskey);
    },
    async get(id) {
      const { rows } = await read<PasskeyRow>('SELECT * FROM app1.passkeys WHERE id = $1', [id]);
      return rows[0] ? toPasskey(rows[0]) : null;
    },
    async add(p, maxPerUser) {
      return db.transaction(async (client) => {
        // Registrations of one account queue here, so the limit holds under a burst.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`passkeys:${p.userId}`]);
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM app1.passkeys WHERE user_id = $1', [p.userId]);
        if (rows[0]!.n >= maxPerUser) return 'limit';
        const { rowCount } = await client.query(
          `INSERT INTO app1.passkeys (id, user_id, name, public_key, counter, transports, device_type, backed_up, created_at, last_used_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
          [p.id, p.userId, p.name, p.publicKey, p.counter, p.transports, p.deviceType, p.backedUp, p.createdAt, p.lastUsedAt],
        );
        return rowCount === 1 ? 'added' : 'exists';
      });
    },
    async rename(userId, id, name) {
      const { rows } = await write<PasskeyRow>('UPDATE app1.passkeys SET name = $3 WHERE id = $2 AND user_id = $1 RETURNING *', [userId, id, name]);
      return rows[0] ? toPasskey(rows[0]) : null;
    },
    async remove(userId, id) {
      const { rowCount } = await write('DELETE FROM app1.passkeys WHERE id = $2 AND user_id = $1', [userId, id]);
      return rowCount === 1;
    },
    async recordUse(id, fromCounter, toCounter, usedAt, backedUp) {
      // Compare-and-set: of two uses racing from one counter value, the second UPDATE re-checks and matches nothing.
      const { rowCount } = await write('UPDATE app1.passkeys SET counter = $3, last_used_at = $4, backed_up = $5 WHERE id = $1 AND counter = $2', [
        id,
        fromCounter,
        toCounter,
        usedAt,
        backedUp,
      ]);
      return rowCount === 1;
    },
    async putChallenge(c, now) {
      await prune(now);
      await write(
        `INSERT INTO app1.passkey_challenges (key, challenge, user_id, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET challenge = EXCLUDED.challenge, user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at`,
        [c.key, c.challenge, c.userId, c.expiresAt],
      );
    },
    async takeChallenge(key, now) {
      // One DELETE: of concurrent answers to one challenge, exactly one gets the row.
      const { rows } = await write<{ key: string; challenge: string; user_id: string | null; expires_at: string }>(
        'DELETE FROM app1.passkey_challenges WHERE key = $1 RETURNING *',
        [key],
      );
      const c = rows[0];
      if (!c || Number(c.expires_at) <= now) return null;
      return { key: c.key, challenge: c.challenge, userId: c.user_id, expiresAt: Number(c.expires_at) };
    },
  };

  return {
    users,
    sessions,
    oneTimeTokens,
    secondFactors,
    passkeys,
    pool,
    flush: db.end,
    probe: db.probe,
  };
}
