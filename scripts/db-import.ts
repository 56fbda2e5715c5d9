/**
 * `npm run db:import [-- --merge] [app1|app2]`: moves the embedded lowdb
 * stores (DATA_DIR/app1.json, app2.json and their journals) into PostgreSQL
 * at DATABASE_URL, schemas app1 and app2 (migrated first). Ids are kept, so
 * relying apps see the same `sub` and signed-in people stay signed in.
 *
 * - Stop the lowdb services first: it refuses while one holds a store's lock.
 * - Idempotent: the same files imported again change nothing (and it says so).
 * - A schema that already holds accounts is refused unless --merge: then
 *   only the accounts it does not have are added (the database's win).
 * - Each app's import is one transaction whose counts are checked before it
 *   commits: all of it lands, or nothing.
 *
 * Exit codes: 0 imported (or nothing to do), 1 refused or failed (nothing
 * written for that app), 2 imported but some accounts could not be carried
 * (a username taken by another account in the database).
 */
import path from 'node:path';
import { ConfigError, formatImport, redactDatabaseUrl, resolveStoreConfig, StoreError, type ImportResult } from '@sso/bff-common';
import { importApp1 } from '../bff/app1/src/storage/lowdb-import';
import { importApp2 } from '../bff/app2/src/storage/lowdb-import';

const USAGE = 'usage: npm run db:import [-- --merge] [app1|app2]   (DATA_DIR: the lowdb files; DATABASE_URL: the PostgreSQL database)';

/** Runs the import as the command line asks; returns the exit code. */
export async function runImport(argv: readonly string[], env: Record<string, string | undefined>, print: (line: string) => void = console.log): Promise<number> {
  const merge = argv.includes('--merge');
  const unknown = argv.filter((a) => a !== '--merge' && a !== 'app1' && a !== 'app2');
  if (unknown.length) throw new ConfigError(`db:import: unknown argument ${JSON.stringify(unknown[0])}.\n${USAGE}`);
  const apps = argv.filter((a) => a === 'app1' || a === 'app2');
  const wanted = apps.length ? apps : ['app1', 'app2'];
  if (!env.DATABASE_URL) throw new ConfigError(`db:import needs DATABASE_URL: the PostgreSQL database to import into, such as postgres://sso:secret@db.internal:5432/sso.\n${USAGE}`);
  const { databaseUrl } = resolveStoreConfig({ STORE: 'postgres', DATABASE_URL: env.DATABASE_URL, DATABASE_POOL_MAX: 1 }, 'db:import');
  const dataDir = path.resolve(env.DATA_DIR || './data');
  print(`Importing the lowdb files in ${dataDir} into ${redactDatabaseUrl(databaseUrl!)}${merge ? ' (--merge)' : ''}`);
  let code = 0;
  let moved = false;
  for (const app of wanted) {
    let result: ImportResult;
    try {
      result = await (app === 'app1' ? importApp1 : importApp2)({ dataDir, databaseUrl: databaseUrl!, merge });
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      print(`${app}: ${err.message}${err.code === 'STORE_LOCKED' ? ' Stop the lowdb service before importing.' : ''}`);
      code = 1;
      continue;
    }
    print('');
    if (result.rows.length) print(formatImport(result));
    for (const note of result.notes) print(note);
    if (result.status === 'imported') print(`${app}: imported; every count checked.`);
    if (result.status === 'imported' || result.status === 'already-imported') moved = true;
    if (result.status === 'refused') code = 1;
    else if (result.conflicts > 0) code = Math.max(code, 2);
  }
  if (code === 0 && moved) print('\nNext: start the services with STORE=postgres and the same DATABASE_URL, DATA_DIR (keys) and APP1_ORIGIN.');
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runImport(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError ? `\n${err.message}\n` : err);
      process.exit(1);
    },
  );
}
