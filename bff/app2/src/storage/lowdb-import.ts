import path from 'node:path';
import type pg from 'pg';
import { countPresent, hasStore, fingerprintOf, importedBefore, insertRows, openPgDatabase, readJournaledStore, refusedUncarried, takeStoreLock, uncarriedFields, type ImportResult, type TableSpec } from '@sso/bff-common';
import { APP2_STORE_FILE } from './lowdb-store';
import type { LocalUserRecord } from '../users/local-user-store';
import { APP2_MIGRATIONS_DIR, APP2_SCHEMA } from './postgres-store';

/*
 * `npm run db:import` for app 2 (ADR 035): app2.json and its journals into
 * schema app2, keeping each local user's id. To carry a new field: a
 * migration for its column and one line below; a field no declaration names
 * stops the import before it writes anything.
 */

/** Every field of a local user, checked by `tsc` (a new field fails the build until listed; the test until carried). */
export const RECORD_FIELDS: Record<keyof LocalUserRecord, true> = { id: true, iss: true, sub: true, username: true, email: true, emailVerified: true, name: true, createdAt: true, lastSeenAt: true };

export const LOCAL_USERS: TableSpec = {
  kind: 'users',
  table: 'app2.local_users',
  columns: {
    id: ['text', 'id'],
    iss: ['text', 'iss'],
    sub: ['text', 'sub'],
    username: ['text', 'username'],
    email: ['text', 'email'],
    email_verified: ['boolean', 'emailVerified'],
    name: ['text', 'name'],
    created_at: ['timestamptz', 'createdAt'],
    last_seen_at: ['timestamptz', 'lastSeenAt'],
  },
};

type Rec = Record<string, any>;

/** Imports app 2's lowdb store into PostgreSQL (migrating first), in one transaction, holding the store's lock. */
export async function importApp2(options: { dataDir: string; databaseUrl: string; merge: boolean }): Promise<ImportResult> {
  const file = path.join(options.dataDir, APP2_STORE_FILE);
  const result: ImportResult = { app: 'app2', status: 'imported', rows: [], notes: [], conflicts: 0 };
  if (!(await hasStore(options.dataDir, APP2_STORE_FILE))) {
    return { ...result, status: 'nothing-to-import', notes: [`no ${APP2_STORE_FILE} in ${options.dataDir}: nothing to import for app 2`] };
  }
  const release = await takeStoreLock(file);
  try {
    const data = (await readJournaledStore(file)) as unknown as Record<string, Rec[]>;
    const users = data.users ?? [];
    const unknownKinds = Object.keys(data).filter((k) => k !== 'version' && k !== 'users' && Array.isArray(data[k]));
    const uncarried = uncarriedFields(LOCAL_USERS, users);
    const refused = refusedUncarried(result, file, unknownKinds, uncarried, 'bff/app2/src/storage/lowdb-import.ts');
    if (refused) return refused;
    const fingerprint = fingerprintOf({ users }, (_kind, r) => (r as Rec).id);
    const db = await openPgDatabase({ databaseUrl: options.databaseUrl, poolMax: 1 }, { name: 'app2-import', label: 'App 2', schema: APP2_SCHEMA, migrationsDir: APP2_MIGRATIONS_DIR });
    try {
      return await db.transaction((client) => importInto(client, users, fingerprint, options.merge, result));
    } finally {
      await db.end();
    }
  } finally {
    await release();
  }
}

async function importInto(client: pg.PoolClient, users: Rec[], fingerprint: string, merge: boolean, result: ImportResult): Promise<ImportResult> {
  const before = await importedBefore(client, APP2_SCHEMA, 'app 2', fingerprint, result);
  if (before) return before;
  const [{ n: there }] = (await client.query('SELECT count(*)::int AS n FROM app2.local_users')).rows;
  if (there > 0 && !merge) {
    return {
      ...result,
      status: 'refused',
      notes: [
        `app 2: the database already holds ${there} local user(s) not imported from these files. Nothing was written. ` +
          'Import into an empty schema, or run with --merge to add the users it does not have (users it has, by id or by (iss, sub), are kept as they are there).',
      ],
    };
  }
  // A user the database knows (same id, or the same (iss, sub) provisioned there) is kept as it is there.
  const inserted = await insertRows(client, LOCAL_USERS, users, 'id');
  const inDatabase = await countPresent(client, 'app2.local_users', 'id', inserted);
  if (inDatabase !== inserted.length) throw new Error(`count check failed for local users: ${inserted.length} written, ${inDatabase} found afterwards. Nothing was written.`);
  const [{ n: covered }] = (
    await client.query(`SELECT count(*)::int AS n FROM app2.local_users u JOIN jsonb_to_recordset($1::jsonb) AS x(iss text, sub text) ON u.iss = x.iss AND u.sub = x.sub`, [
      JSON.stringify(users.map((u) => ({ iss: u.iss, sub: u.sub }))),
    ])
  ).rows;
  // Every person in the files has a local user now (carried, or the database's own).
  if (covered !== users.length) throw new Error(`count check failed for local users: ${users.length} in the files, ${covered} (iss, sub) in the database afterwards. Nothing was written.`);
  if (inserted.length < users.length) result.notes.push(`app 2: ${users.length - inserted.length} local user(s) are in the database already (same id or same iss and sub) and were kept as they are there.`);
  result.rows.push({ kind: 'local users', inFiles: users.length, imported: inserted.length, skipped: users.length - inserted.length, inDatabase: covered });
  await client.query('INSERT INTO app2.lowdb_imports (fingerprint, merged, counts) VALUES ($1, $2, $3)', [fingerprint, there > 0, JSON.stringify(result.rows)]);
  return result;
}
