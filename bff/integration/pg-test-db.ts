import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A real PostgreSQL server for tests, and one throw-away database per test
 * file. The server is taken from SSO_TEST_PG_URL (an admin connection string
 * that may CREATE DATABASE) or found on 127.0.0.1:5432 as `root` or
 * `postgres` (trust auth). Without one, the PostgreSQL tests skip with a
 * one-line reason; with CI=true they fail instead.
 */
const CANDIDATES = process.env.SSO_TEST_PG_URL
  ? [process.env.SSO_TEST_PG_URL]
  : ['postgres://root@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/postgres'];

export type PostgresProbe = { ok: true; adminUrl: string } | { ok: false; reason: string };

let probed: Promise<PostgresProbe> | null = null;

/** Finds a server we may create databases on (once per test file). */
export function findPostgres(): Promise<PostgresProbe> {
  probed ??= (async () => {
    const failures: string[] = [];
    for (const url of CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
      try {
        await client.connect();
        const { rows } = await client.query<{ ok: boolean }>('SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user');
        if (rows[0]?.ok) return { ok: true, adminUrl: url };
        failures.push(`${url}: role may not create databases`);
      } catch (err) {
        failures.push(`${new URL(url).username}@${new URL(url).host}: ${(err as Error).message || (err as { code?: string }).code}`);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    return { ok: false, reason: `no PostgreSQL to test against (${failures.join('; ')}); set SSO_TEST_PG_URL` };
  })();
  return probed;
}

/** True when a missing PostgreSQL must fail the run rather than skip. */
export const POSTGRES_REQUIRED = process.env.CI === 'true';

/** The label of a suite that needs PostgreSQL, with the reason when it skips. */
export function postgresSuiteName(name: string, probe: PostgresProbe): string {
  return probe.ok || POSTGRES_REQUIRED ? name : `${name} (skipped: ${probe.reason})`;
}

let warned = false;

/** Whether a PostgreSQL suite should skip; prints the reason once. */
export function skipPostgres(probe: PostgresProbe): boolean {
  if (probe.ok || POSTGRES_REQUIRED) return false;
  if (!warned) console.warn(`PostgreSQL tests skipped: ${probe.reason}`);
  warned = true;
  return true;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs one statement on the test database (for assertions on stored rows). */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** Creates `sso_test_<random>` on the probed server; drop() removes it (closing any connection left). */
export async function createTestDatabase(probe: PostgresProbe): Promise<TestDatabase> {
  if (!probe.ok) throw new Error(`PostgreSQL is required here (CI=true): ${probe.reason}`);
  const name = `sso_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: probe.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(probe.adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href, max: 2 });
  // An idle connection cut by the server (a test that drops a database under it) must not crash the run.
  pool.on('error', () => undefined);
  return {
    url: url.href,
    name,
    async query(text, values) {
      return (await pool.query(text, values)).rows;
    },
    async drop() {
      await pool.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: probe.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
