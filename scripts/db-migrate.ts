/**
 * `npm run db:migrate [-- app1|app2]`: applies the pending SQL migrations of
 * app 1 (schema app1, bff/app1/migrations) and app 2 (schema app2,
 * bff/app2/migrations) to DATABASE_URL. Every app also does this on start-up
 * with STORE=postgres, under the same advisory lock, so running it first is
 * optional: it lets a deploy migrate once, before any instance starts.
 */
import { ConfigError, redactDatabaseUrl, resolveStoreConfig, runMain } from '@sso/bff-common';
import { createApp1Pool, migrateApp1 } from '../bff/app1/src/storage/postgres-store';
import { createApp2Pool, migrateApp2 } from '../bff/app2/src/storage/postgres-store';

const APPS = {
  app1: { createPool: createApp1Pool, migrate: migrateApp1 },
  app2: { createPool: createApp2Pool, migrate: migrateApp2 },
} as const;

runMain(async () => {
  const wanted = process.argv.slice(2);
  for (const name of wanted) {
    if (!(name in APPS)) throw new ConfigError(`db:migrate: unknown app ${JSON.stringify(name)}; use app1, app2 or nothing (both).`);
  }
  const names = (wanted.length ? wanted : Object.keys(APPS)) as (keyof typeof APPS)[];
  const { databaseUrl } = resolveStoreConfig({ STORE: 'postgres', DATABASE_URL: process.env.DATABASE_URL, DATABASE_POOL_MAX: 1 }, 'db:migrate');
  for (const name of names) {
    const pool = APPS[name].createPool({ databaseUrl: databaseUrl!, poolMax: 1 });
    try {
      const { applied, version } = await APPS[name].migrate(pool);
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
