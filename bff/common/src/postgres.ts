import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { redactDatabaseUrl } from './store-config';
import { StoreError } from './json-store';

/*
 * PostgreSQL helpers both BFFs share. Typed structurally so this package does
 * not depend on `pg`: each app owns its pool (node-postgres) and its schema.
 */

export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  release(err?: Error | boolean): void;
}

export interface SqlPool {
  connect(): Promise<SqlClient>;
}

const MIGRATION_FILE = /^(\d+)_[\w.-]+\.sql$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

export interface MigrationResult {
  /** Files applied by this call, in order (empty when the schema was up to date). */
  applied: string[];
  /** Highest version now recorded in `<schema>.schema_migrations`. */
  version: number;
}

/**
 * Applies the versioned SQL files of `dir` (`001_init.sql`, `002_...sql`) to
 * `schema`, each once and in order, each in its own transaction, recording
 * them in `<schema>.schema_migrations`. Holds a session advisory lock for the
 * schema meanwhile, so instances starting together (and `npm run db:migrate`)
 * queue up instead of racing; the later ones find nothing left to do.
 *
 * A file changed after it was applied stops start-up (checksum mismatch): add
 * a new file instead. Versions recorded in the database but unknown to this
 * code (a newer release already migrated) are tolerated, so an older instance
 * keeps running during a rolling deploy; migrations must therefore stay
 * backward compatible for one release.
 */
export async function runMigrations(pool: SqlPool, options: { schema: string; dir: string }): Promise<MigrationResult> {
  const { schema, dir } = options;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  const files = (await readdir(dir)).filter((f) => MIGRATION_FILE.test(f));
  const migrations = await Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return { file, version: Number(MIGRATION_FILE.exec(file)![1]), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`Two migrations in ${dir} share version ${migrations[i]!.version}: ${migrations[i - 1]!.file} and ${migrations[i]!.file}. Renumber one.`);
    }
  }

  const client = await pool.connect();
  let broken: Error | undefined;
  const lockKey = `sso-migrations:${schema}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query(`SELECT version, name, checksum FROM ${schema}.schema_migrations`);
      const done = new Map<number, { name: string; checksum: string }>(rows.map((r) => [Number(r.version), { name: r.name, checksum: r.checksum }]));
      const applied: string[] = [];
      for (const m of migrations) {
        const prior = done.get(m.version);
        if (prior) {
          if (prior.checksum !== m.checksum) {
            throw new Error(
              `Migration ${m.file} was changed after it was applied to schema ${schema} (recorded as ${prior.name}). ` +
                'Restore the file as it was and put the change in a new, higher-numbered migration.',
            );
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [m.version, m.file, m.checksum]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`Migration ${m.file} failed on schema ${schema} and was rolled back: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.file);
      }
      const version = Math.max(0, ...done.keys(), ...migrations.map((m) => m.version));
      return { applied, version };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch((err: Error) => {
        broken = err;
      });
    }
  } catch (err) {
    broken ??= err as Error;
    throw err;
  } finally {
    // A connection in an unknown state is destroyed rather than reused.
    client.release(broken);
  }
}

/** SQLSTATEs of text PostgreSQL refuses to store (a NUL character, say). */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * Maps a failed query to what the routes expect: text PostgreSQL cannot store
 * is the client's fault (400); anything else (server down, pool exhausted,
 * schema missing) is a store outage, answered 503 STORE_UNAVAILABLE.
 */
export function pgStoreError(err: unknown, operation: 'read' | 'write'): Error {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNSTORABLE_TEXT.has(code)) {
    return new StoreError('STORE_REJECTED', 'Text fields must not contain NUL or other characters the database cannot store.', { cause: err });
  }
  const reason = `${typeof code === 'string' ? `${code} ` : ''}${(err as Error)?.message ?? String(err)}`;
  return new StoreError(operation === 'read' ? 'STORE_UNREADABLE' : 'STORE_WRITE_FAILED', `PostgreSQL ${operation} failed: ${reason}`, { cause: err });
}

/** How a BFF opens its PostgreSQL store (STORE=postgres). */
export interface PostgresStoreOptions {
  databaseUrl: string;
  /** Connections in this instance's pool (default 10). */
  poolMax?: number;
  logger?: Logger;
  /** Apply pending migrations before use (default true). */
  migrate?: boolean;
  /** Told the duration of each write statement or transaction, in seconds: the store-write metric. */
  onWrite?: (seconds: number) => void;
}

/** A connection pool with the timeouts every BFF uses; `name` shows in pg_stat_activity. */
export function createPgPool(options: Pick<PostgresStoreOptions, 'databaseUrl' | 'poolMax' | 'logger'>, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: name,
  });
  // An idle connection dropped by the server must not crash the process.
  pool.on('error', (err) => options.logger?.warn({ err: String(err) }, 'idle PostgreSQL connection failed; the pool will reconnect'));
  return pool;
}

/** An app's PostgreSQL database: pool, migrated schema, queries whose failures are store errors. */
export interface PgDatabase {
  pool: pg.Pool;
  /** Runs one statement; a failure becomes a StoreError (503) or, for text PostgreSQL cannot store, a 400. */
  query<R extends pg.QueryResultRow = any>(operation: 'read' | 'write', text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves,
   * ROLLBACK when it throws (the connection is then discarded); failures are
   * store errors, as for query().
   */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Readiness: the server answers. */
  probe(): Promise<{ ok: boolean; error?: string }>;
  /** Releases the connections, once (nothing is buffered: every change is committed before it is answered). */
  end(): Promise<void>;
}

/** Opens the pool and applies the app's pending migrations; start-up stops, naming the (masked) URL, if it cannot. */
export async function openPgDatabase(
  options: PostgresStoreOptions,
  app: { name: string; label: string; schema: string; migrationsDir: string },
): Promise<PgDatabase> {
  const pool = createPgPool(options, `sso-${app.name}`);
  if (options.migrate ?? true) {
    try {
      await runMigrations(pool, { schema: app.schema, dir: app.migrationsDir });
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError('STORE_UNREADABLE', `${app.label} cannot prepare its PostgreSQL schema at ${redactDatabaseUrl(options.databaseUrl)}: ${(err as Error).message}`, { cause: err });
    }
  }
  let ended: Promise<void> | null = null;
  return {
    pool,
    async query(operation, text, values) {
      const started = operation === 'write' && options.onWrite ? performance.now() : 0;
      try {
        return await pool.query(text, values);
      } catch (err) {
        throw pgStoreError(err, operation);
      } finally {
        if (started) options.onWrite!((performance.now() - started) / 1000);
      }
    },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw pgStoreError(err, 'write');
      }
      let failed: Error | undefined;
      const started = performance.now();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failed = err as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw pgStoreError(err, 'write');
      } finally {
        client.release(failed);
        options.onWrite?.((performance.now() - started) / 1000);
      }
    },
    async probe() {
      try {
        await pool.query('SELECT 1');
        return { ok: true };
      } catch (err) {
        return { ok: false, error: `PostgreSQL unreachable: ${(err as Error).message}` };
      }
    },
    end: () => (ended ??= pool.end()),
  };
}
