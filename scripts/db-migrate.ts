/**
 * `npm run db:migrate [-- app1|app2]`: applies the pending SQL migrations of
 * app 1 (schema app1, bff/app1/migrations) and app 2 (schema app2,
 * bff/app2/migrations) to DATABASE_URL. Every app also does this on start-up
 * with STORE=postgres, under the same advisory lock, so running it first is
 * optional: it lets a deploy migrate once, before any instance starts.
 */
import { ConfigError, createPgPool, redactDatabaseUrl, resolveStoreConfig, runMain, runMigrations } from '@sso/bff-common';
import { APP1_MIGRATIONS_DIR, APP1_SCHEMA } from '../bff/app1/src/storage/postgres-store';
import { APP2_MIGRATIONS_DIR, APP2_SCHEMA } from '../bff/app2/src/storage/postgres-store';

const APPS = {
  app1: { schema: APP1_SCHEMA, dir: APP1_MIGRATIONS_DIR },
  app2: { schema: APP2_SCHEMA, dir: APP2_MIGRATIONS_DIR },
} as const;

runMain(async () => {
  const wanted = process.argv.slice(2);
  for (const name of wanted) {
    if (!(name in APPS)) throw new ConfigError(`db:migrate: unknown app ${JSON.stringify(name)}; use app1, app2 or nothing (both).`);
  }
  const names = (wanted.length ? wanted : Object.keys(APPS)) as (keyof typeof APPS)[];
  const { databaseUrl } = resolveStoreConfig({ STORE: 'postgres', DATABASE_URL: process.env.DATABASE_URL, DATABASE_POOL_MAX: 1 }, 'db:migrate');
  for (const name of names) {
    const pool = createPgPool({ databaseUrl: databaseUrl!, poolMax: 1 }, `sso-${name}-migrate`);
    try {
      const { applied, version } = await runMigrations(pool, APPS[name]);
      console.log(
        applied.length
          ? `${name}: applied ${applied.join(', ')} to ${redactDatabaseUrl(databaseUrl!)} (schema ${name} now at version ${version})`
          : `${name}: schema ${name} is up to date (version ${version})`,
      );
    } finally {
      await pool.end();
    }
  }
});
