import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/*
 * The counter every app 1 limit is made of (sign-in, second factor, mails): a count
 * per key within a fixed window (rate-limiter-flexible), taken with one atomic
 * increment so a concurrent burst cannot slip past a check made before any of
 * it was counted. In memory by default (one instance); given a PostgreSQL
 * pool, in THROTTLE_TABLE, shared by every instance, each instance falling
 * back to its own memory while the database fails.
 */

/** Where shared counts live with PostgreSQL (see bff/app1/migrations). */
export const THROTTLE_TABLE = { schemaName: 'app1', tableName: 'login_throttle' } as const;

export interface WindowLimit {
  /** Keys of this counter are stored under this prefix (unique per limit). */
  keyPrefix: string;
  /** Points allowed within `durationSeconds`. */
  points: number;
  durationSeconds: number;
  /** Seconds a key is refused once over (0: until its window ends). */
  blockSeconds?: number;
}

/** A counter for `limit`: in memory, or in THROTTLE_TABLE with `storeClient`. */
export function windowCounter(limit: WindowLimit, storeClient?: Pool): RateLimiterAbstract {
  const opts = { keyPrefix: limit.keyPrefix, points: limit.points, duration: limit.durationSeconds, blockDuration: limit.blockSeconds ?? 0 };
  if (!storeClient) return new RateLimiterMemory(opts);
  return new RateLimiterPostgres({ ...opts, ...THROTTLE_TABLE, storeClient, storeType: 'pool', tableCreated: true, insuranceLimiter: new RateLimiterMemory(opts) });
}

/** Consumes one point; the seconds to wait when that went over the limit (rejected), else null. */
export async function takePoint(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (err) {
    if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw err;
  }
}
