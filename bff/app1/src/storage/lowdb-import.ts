import path from 'node:path';
import type pg from 'pg';
import {
  countPresent,
  hasStore,
  fingerprintOf,
  importedBefore,
  insertRows,
  openPgDatabase,
  readJournaledStore,
  refusedUncarried,
  takeStoreLock,
  uncarriedFields,
  type ImportResult,
  type TableSpec,
} from '@sso/bff-common';
import { APP1_COLLECTIONS, APP1_STORE_FILE, type App1Records } from './lowdb-store';
import { APP1_MIGRATIONS_DIR, APP1_SCHEMA } from './postgres-store';

/*
 * `npm run db:import` for app 1 (ADR 035): app1.json and its journals into
 * schema app1. Ids are kept (a user's id is the token's `sub`, a session's the
 * `sid`), so relying apps see the same people and signed-in browsers stay
 * signed in: their refresh cookies match the carried hashes, and second
 * factors keep working with the same DATA_DIR keys.
 *
 * To carry a new record field: add its column (a migration) and one line to
 * the declaration of its kind below. A field no declaration names stops the
 * import before it writes anything.
 */

/** Sessions are kept this long past their absolute expiry (as the stores keep them). */
const SESSION_RETENTION_MS = 24 * 3600_000;

const USERS: TableSpec = {
  kind: 'users',
  table: 'app1.users',
  columns: {
    id: ['text', 'id'],
    username: ['text', 'username'],
    email: ['text', 'email'],
    name: ['text', 'name'],
    password_hash: ['text', 'passwordHash'],
    created_at: ['timestamptz', 'createdAt'],
    disabled_at: ['timestamptz', 'disabledAt'],
    groups: ['text[]', 'groups'],
    email_verified: ['boolean', 'emailVerified'],
  },
};

const SESSIONS: TableSpec = {
  kind: 'sessions',
  table: 'app1.sessions',
  columns: {
    id: ['text', 'id'],
    user_id: ['text', 'userId'],
    created_at: ['bigint', 'createdAt'],
    last_active_at: ['bigint', 'lastActiveAt'],
    absolute_expires_at: ['bigint', 'absoluteExpiresAt'],
    refresh_hash: ['text', 'refreshHash'],
    revoked_at: ['bigint', 'revokedAt'],
    revoke_reason: ['text', 'revokeReason'],
    user_agent: ['text', 'userAgent'],
    address: ['text', 'address'],
    amr: ['text[]', 'amr'],
    auth_time: ['bigint', 'authTime'],
  },
  alsoCarries: ['retiredRefreshHashes'],
};

/** Rows built by the importer: `{ hash, sessionId }`, oldest first (listing is newest first, by seq). */
const RETIRED_HASHES: TableSpec = {
  kind: 'sessions.retiredRefreshHashes',
  table: 'app1.retired_refresh_hashes',
  columns: { hash: ['text', 'hash'], session_id: ['text', 'sessionId'] },
};

/** Cursors are given anew (see importApp1): `revokedAt` here is the new cursor. */
const REVOCATIONS: TableSpec = {
  kind: 'revocations',
  table: 'app1.revocations',
  columns: { revoked_at: ['bigint', 'revokedAt'], sid: ['text', 'sid'], expires_at: ['bigint', 'expiresAt'] },
};

const ONE_TIME_TOKENS: TableSpec = {
  kind: 'oneTimeTokens',
  table: 'app1.one_time_tokens',
  columns: {
    hash: ['text', 'hash'],
    purpose: ['text', 'purpose'],
    user_id: ['text', 'userId'],
    created_at: ['bigint', 'createdAt'],
    expires_at: ['bigint', 'expiresAt'],
    used_at: ['bigint', 'usedAt'],
    email: ['text', 'email'],
  },
};

/** Passkeys (ADR 033): public keys only; the signature counter goes with them, so a cloned key stays refused. */
const PASSKEYS: TableSpec = {
  kind: 'passkeys',
  table: 'app1.passkeys',
  columns: {
    id: ['text', 'id'],
    user_id: ['text', 'userId'],
    name: ['text', 'name'],
    public_key: ['text', 'publicKey'],
    counter: ['bigint', 'counter'],
    transports: ['text[]', 'transports'],
    device_type: ['text', 'deviceType'],
    backed_up: ['boolean', 'backedUp'],
    created_at: ['timestamptz', 'createdAt'],
    last_used_at: ['timestamptz', 'lastUsedAt'],
  },
};

/** Declared so the field check knows them; never carried: a ceremony lives two minutes, and the service is stopped. */
const PASSKEY_CHALLENGES: TableSpec = {
  kind: 'passkeyChallenges',
  table: 'app1.passkey_challenges',
  columns: { key: ['text', 'key'], challenge: ['text', 'challenge'], user_id: ['text', 'userId'], expires_at: ['bigint', 'expiresAt'] },
};

/** Account deletions in the feed (ADR 034); cursors are given anew, as revocations'. */
const DELETIONS: TableSpec = {
  kind: 'deletions',
  table: 'app1.deletions',
  columns: { cursor: ['bigint', 'cursor'], sub: ['text', 'sub'], deleted_at: ['bigint', 'deletedAt'], expires_at: ['bigint', 'expiresAt'] },
};

const TOTP: TableSpec = {
  kind: 'totp',
  table: 'app1.totp_factors',
  columns: {
    user_id: ['text', 'userId'],
    sealed_secret: ['text', 'sealedSecret'],
    created_at: ['timestamptz', 'createdAt'],
    confirmed_at: ['timestamptz', 'confirmedAt'],
    last_used_step: ['bigint', 'lastUsedStep'],
  },
};

/** One row per unused code: `{ userId, hash, createdAt }` from each record's `hashes`. */
const RECOVERY_CODES: TableSpec = {
  kind: 'recoveryCodes',
  table: 'app1.recovery_codes',
  columns: { user_id: ['text', 'userId'], hash: ['text', 'hash'], created_at: ['timestamptz', 'createdAt'] },
  alsoCarries: ['hashes'],
};

/**
 * Every field of every record type, checked by `tsc`: a field added to
 * UserRecord (say `groups`) fails the build here until it is listed, and
 * lowdb-import.test.ts fails until the declarations above carry it. (The
 * import also refuses, at run time, a stored field no declaration names.)
 */
export const RECORD_FIELDS: { [K in keyof App1Records]: Record<keyof App1Records[K], true> } = {
  users: { id: true, username: true, email: true, emailVerified: true, name: true, passwordHash: true, createdAt: true, disabledAt: true, groups: true },
  sessions: {
    id: true,
    userId: true,
    createdAt: true,
    lastActiveAt: true,
    absoluteExpiresAt: true,
    refreshHash: true,
    retiredRefreshHashes: true,
    revokedAt: true,
    revokeReason: true,
    userAgent: true,
    address: true,
    amr: true,
    authTime: true,
  },
  revocations: { sid: true, revokedAt: true, expiresAt: true },
  oneTimeTokens: { hash: true, purpose: true, userId: true, createdAt: true, expiresAt: true, usedAt: true, email: true },
  deletions: { sub: true, cursor: true, deletedAt: true, expiresAt: true },
  passkeys: { id: true, userId: true, name: true, publicKey: true, counter: true, transports: true, deviceType: true, backedUp: true, createdAt: true, lastUsedAt: true },
  passkeyChallenges: { key: true, challenge: true, userId: true, expiresAt: true },
  totp: { userId: true, sealedSecret: true, createdAt: true, confirmedAt: true, lastUsedStep: true },
  recoveryCodes: { userId: true, hashes: true, createdAt: true },
};

/** Every kind of app1.json and its declaration (the field check reads it). */
export const SPECS: Record<keyof typeof APP1_COLLECTIONS, TableSpec> = {
  users: USERS,
  sessions: SESSIONS,
  revocations: REVOCATIONS,
  oneTimeTokens: ONE_TIME_TOKENS,
  totp: TOTP,
  recoveryCodes: RECOVERY_CODES,
  deletions: DELETIONS,
  passkeys: PASSKEYS,
  passkeyChallenges: PASSKEY_CHALLENGES,
};

type Rec = Record<string, any>;

export interface ImportOptions {
  dataDir: string;
  databaseUrl: string;
  /** Add to a schema that already holds accounts: accounts it has are kept as they are there. */
  merge: boolean;
  now?: () => number;
}

/**
 * Imports app 1's lowdb store into PostgreSQL (migrating the schema first), in
 * one transaction: every count is checked before it commits. Holds the
 * store's lock meanwhile, so it refuses to run beside a lowdb app 1.
 */
export async function importApp1(options: ImportOptions): Promise<ImportResult> {
  const file = path.join(options.dataDir, APP1_STORE_FILE);
  const result: ImportResult = { app: 'app1', status: 'imported', rows: [], notes: [], conflicts: 0 };
  if (!(await hasStore(options.dataDir, APP1_STORE_FILE))) {
    return { ...result, status: 'nothing-to-import', notes: [`no ${APP1_STORE_FILE} in ${options.dataDir}: nothing to import for app 1`] };
  }
  const release = await takeStoreLock(file);
  try {
    const data = (await readJournaledStore(file, APP1_COLLECTIONS)) as unknown as Record<string, Rec[]>;
    const kinds = Object.fromEntries(Object.keys(SPECS).map((k) => [k, data[k] ?? []])) as Record<keyof typeof SPECS, Rec[]>;
    const unknownKinds = Object.keys(data).filter((k) => k !== 'version' && Array.isArray(data[k]) && !(k in SPECS));
    const uncarried = Object.values(SPECS).flatMap((spec) => uncarriedFields(spec, kinds[spec.kind as keyof typeof SPECS] ?? []));
    const refused = refusedUncarried(result, file, unknownKinds, uncarried, 'bff/app1/src/storage/lowdb-import.ts');
    if (refused) return refused;
    const fingerprint = fingerprintOf(kinds, (kind, r) => (APP1_COLLECTIONS as Record<string, (r: never) => string>)[kind]!(r as never));
    const db = await openPgDatabase({ databaseUrl: options.databaseUrl, poolMax: 1 }, { name: 'app1-import', label: 'App 1', schema: APP1_SCHEMA, migrationsDir: APP1_MIGRATIONS_DIR });
    try {
      return await db.transaction((client) => importInto(client, kinds, fingerprint, options, result));
    } finally {
      await db.end();
    }
  } finally {
    await release();
  }
}

async function importInto(client: pg.PoolClient, kinds: Record<keyof typeof SPECS, Rec[]>, fingerprint: string, options: ImportOptions, result: ImportResult): Promise<ImportResult> {
  const now = (options.now ?? Date.now)();
  const before = await importedBefore(client, APP1_SCHEMA, 'app 1', fingerprint, result);
  if (before) return before;
  const [{ n: accountsThere }] = (await client.query('SELECT count(*)::int AS n FROM app1.users')).rows;
  if (accountsThere > 0 && !options.merge) {
    return {
      ...result,
      status: 'refused',
      notes: [
        `app 1: the database already holds ${accountsThere} account(s) not imported from these files. Nothing was written. ` +
          'Import into an empty schema, or run with --merge to add the accounts it does not have (accounts it has, by id, are kept as they are there).',
      ],
    };
  }

  // Accounts: those the database has (by id) stay as they are; a username taken by another id is a conflict.
  const users = kinds.users;
  const there = new Set((await client.query('SELECT id FROM app1.users WHERE id = ANY($1::text[])', [users.map((u) => u.id)])).rows.map((r) => r.id as string));
  const carried = new Set(await insertRows(client, USERS, users.filter((u) => !there.has(u.id)), 'id'));
  const conflicts = users.filter((u) => !there.has(u.id) && !carried.has(u.id));
  result.conflicts = conflicts.length;
  if (there.size) result.notes.push(`app 1: ${there.size} account(s) are in the database already (same id) and were kept as they are there, with their sessions and second factors.`);
  if (conflicts.length) {
    result.notes.push(
      `app 1: ${conflicts.length} account(s) not carried: another account in the database has the username (${conflicts
        .slice(0, 10)
        .map((u) => u.username)
        .join(', ')}${conflicts.length > 10 ? ', ...' : ''}).`,
    );
  }
  const ofCarried = (r: Rec) => carried.has(r.userId);

  const sessions = kinds.sessions.filter((s) => ofCarried(s) && s.absoluteExpiresAt > now - SESSION_RETENTION_MS);
  const sessionIds = await insertRows(client, SESSIONS, sessions, 'id');
  const retired = sessions.flatMap((s) => [...((s.retiredRefreshHashes as string[] | undefined) ?? [])].reverse().map((hash) => ({ hash, sessionId: s.id })));
  await insertRows(client, RETIRED_HASHES, retired, 'hash');

  // Feed entries get new cursors above every cursor handed out so far (the
  // lowdb feed's and this schema's): a relying app polling with its old
  // cursor then sees them again (harmless) and never misses a later one.
  const clock = Number((await client.query('SELECT last FROM app1.revocation_clock WHERE id FOR UPDATE')).rows[0].last);
  const inFeed = new Set((await client.query('SELECT sid FROM app1.revocations')).rows.map((r) => r.sid as string));
  const alive = kinds.revocations.filter((r) => r.expiresAt > now && !inFeed.has(r.sid)).sort((a, b) => a.revokedAt - b.revokedAt);
  let cursor = kinds.deletions.reduce((max, d) => Math.max(max, Number(d.cursor)), kinds.revocations.reduce((max, r) => Math.max(max, Number(r.revokedAt)), Math.max(clock, now)));
  const revocations = alive.map((r): Rec => ({ ...r, revokedAt: ++cursor }));
  await insertRows(client, REVOCATIONS, revocations, 'sid');
  const deletedThere = new Set((await client.query('SELECT sub FROM app1.deletions')).rows.map((r) => r.sub as string));
  const deletions = kinds.deletions
    .filter((d) => d.expiresAt > now && !deletedThere.has(d.sub))
    .sort((a, b) => a.cursor - b.cursor)
    .map((d): Rec => ({ ...d, cursor: ++cursor }));
  await insertRows(client, DELETIONS, deletions, 'cursor');
  await client.query('UPDATE app1.revocation_clock SET last = $1 WHERE id', [cursor]);

  const tokens = kinds.oneTimeTokens.filter((t) => ofCarried(t) && t.expiresAt > now);
  await insertRows(client, ONE_TIME_TOKENS, tokens, 'hash');
  const totp = kinds.totp.filter(ofCarried);
  await insertRows(client, TOTP, totp, 'user_id');
  const codes = kinds.recoveryCodes.filter(ofCarried).flatMap((r) => (r.hashes as string[]).map((hash) => ({ userId: r.userId, hash, createdAt: r.createdAt })));
  await insertRows(client, RECOVERY_CODES, codes, `user_id || ' ' || hash`);
  const passkeys = kinds.passkeys.filter(ofCarried);
  await insertRows(client, PASSKEYS, passkeys, 'id');

  // The count check: every record meant to be carried is a row now, or nothing commits.
  const check = async (kind: string, table: string, key: string, inFiles: number, keys: string[]) => {
    const inDatabase = await countPresent(client, table, key, keys);
    if (inDatabase !== keys.length) throw new Error(`count check failed for ${kind}: ${keys.length} to carry, ${inDatabase} in ${table} afterwards. Nothing was written.`);
    result.rows.push({ kind, inFiles, imported: keys.length, skipped: inFiles - keys.length, inDatabase });
  };
  await check('users', 'app1.users', 'id', users.length, [...carried]);
  if (sessionIds.length !== sessions.length) throw new Error(`count check failed for sessions: ${sessions.length} to carry, ${sessionIds.length} written (a refresh hash or id already in the database). Nothing was written.`);
  await check('sessions', 'app1.sessions', 'id', kinds.sessions.length, sessions.map((s) => s.id));
  await check('retired refresh hashes', 'app1.retired_refresh_hashes', 'hash', kinds.sessions.reduce((n, s) => n + (s.retiredRefreshHashes?.length ?? 0), 0), retired.map((r) => r.hash));
  await check('revocations', 'app1.revocations', 'sid', kinds.revocations.length, revocations.map((r) => r.sid));
  await check('deletions', 'app1.deletions', 'cursor', kinds.deletions.length, deletions.map((d) => String(d.cursor)));
  await check('one-time tokens', 'app1.one_time_tokens', 'hash', kinds.oneTimeTokens.length, tokens.map((t) => t.hash));
  await check('totp', 'app1.totp_factors', 'user_id', kinds.totp.length, totp.map((t) => t.userId));
  await check('recovery codes', 'app1.recovery_codes', `user_id || ' ' || hash`, kinds.recoveryCodes.reduce((n, r) => n + r.hashes.length, 0), codes.map((c) => `${c.userId} ${c.hash}`));
  await check('passkeys', 'app1.passkeys', 'id', kinds.passkeys.length, passkeys.map((p) => p.id));
  const expired = kinds.sessions.filter((s) => ofCarried(s) && !(s.absoluteExpiresAt > now - SESSION_RETENTION_MS)).length;
  if (expired) result.notes.push(`app 1: ${expired} session(s) ended over a day ago were not carried (the stores drop them too).`);
  await client.query('INSERT INTO app1.lowdb_imports (fingerprint, merged, counts) VALUES ($1, $2, $3)', [fingerprint, accountsThere > 0, JSON.stringify(result.rows)]);
  return result;
}
