import { z } from 'zod';
import { ConfigError } from './env';

const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

/**
 * Variables choosing a BFF's store: the embedded lowdb file (default, one
 * instance) or PostgreSQL (several instances). Spread into an app's EnvSchema.
 */
export const StoreEnvSchema = {
  STORE: z.preprocess(unsetIfEmpty, z.enum(['lowdb', 'postgres'], { error: 'must be lowdb or postgres' }).default('lowdb')),
  /** postgres://user:password@host:5432/database; never echoed back (it may hold a password). */
  DATABASE_URL: z.preprocess(unsetIfEmpty, z.string().optional()),
  DATABASE_POOL_MAX: z.preprocess(
    unsetIfEmpty,
    z.coerce.number({ error: 'must be a number of connections' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(10),
  ),
};

export interface StoreConfig {
  readonly store: 'lowdb' | 'postgres';
  /** Set when store is postgres. */
  readonly databaseUrl: string | null;
  /** Connections per instance; instances x this must stay under the server's max_connections. */
  readonly databasePoolMax: number;
}

/** A connection string with its password masked, for messages and logs. */
export function redactDatabaseUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(unparseable)';
  }
}

/** Cross-checks STORE and DATABASE_URL; throws ConfigError naming the variable and the fix. */
export function resolveStoreConfig(
  e: { STORE: 'lowdb' | 'postgres'; DATABASE_URL?: string | undefined; DATABASE_POOL_MAX: number },
  service: string,
): StoreConfig & { warnings: string[] } {
  const warnings: string[] = [];
  if (e.STORE === 'lowdb') {
    if (e.DATABASE_URL) warnings.push('DATABASE_URL is set but STORE is lowdb (the default): the database is not used. Set STORE=postgres to use it.');
    return { store: 'lowdb', databaseUrl: null, databasePoolMax: e.DATABASE_POOL_MAX, warnings };
  }
  if (!e.DATABASE_URL) {
    throw new ConfigError(
      `${service} cannot start: STORE=postgres needs DATABASE_URL, a connection string such as postgres://sso:secret@db.internal:5432/sso. ` +
        'Set it (every instance of this app must use the same database), or unset STORE to use the embedded lowdb store.',
    );
  }
  let url: URL | null = null;
  try {
    url = new URL(e.DATABASE_URL);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || (!url.hostname && !url.searchParams.get('host'))) {
    throw new ConfigError(
      `${service} cannot start: DATABASE_URL (${redactDatabaseUrl(e.DATABASE_URL)}) must be a postgres:// or postgresql:// URL with a host, such as postgres://sso:secret@db.internal:5432/sso.`,
    );
  }
  return { store: 'postgres', databaseUrl: e.DATABASE_URL, databasePoolMax: e.DATABASE_POOL_MAX, warnings };
}
