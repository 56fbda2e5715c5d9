import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Brute-force regulation for sign-in, in the manner of Authelia's: failures
 * are counted, and past a limit further attempts are refused for a while.
 * Keys use the normalized username whether or not the account exists, so
 * throttling never reveals which usernames are real.
 *
 * - per (username, client address): 5 failures in 15 min, then 15 min off.
 *   The main defence against guessing one account's password.
 * - per client address: 30 failures in 15 min, then 15 min off. Stops one
 *   client from spraying many accounts.
 * - per username, from anywhere: 100 failures in an hour, then 1 min off.
 *   Slows a distributed attack on one account; short on purpose, so that an
 *   attacker can never lock the real owner out for long.
 * A success clears the (username, address) count.
 *
 * Counts live in memory by default (one instance). Given a PostgreSQL pool,
 * they live in THROTTLE_TABLE (created by app 1's migrations) and every
 * instance shares them; if the database fails, each instance falls back to
 * counting in its own memory until it answers again.
 */
export interface LoginThrottle {
  /** Seconds the client must wait before this attempt is allowed; 0 if allowed now. */
  retryAfter(username: string, address: string): Promise<number>;
  failed(username: string, address: string): Promise<void>;
  succeeded(username: string, address: string): Promise<void>;
  /**
   * Counts a sign-up from this client address; the seconds to wait if it is
   * over its limit (0 if allowed). Slows account spam and username probing.
   */
  signupRetryAfter(address: string): Promise<number>;
}

export interface ThrottleLimits {
  /** `failures` within `durationSeconds` block further attempts for `blockSeconds`. */
  perUserAddress: { failures: number; durationSeconds: number; blockSeconds: number };
  perAddress: { failures: number; durationSeconds: number; blockSeconds: number };
  perUser: { failures: number; durationSeconds: number; blockSeconds: number };
  /** Sign-ups per client address (every valid attempt counts). */
  signupsPerAddress?: { failures: number; durationSeconds: number; blockSeconds: number };
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perUserAddress: { failures: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  perAddress: { failures: 30, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  perUser: { failures: 100, durationSeconds: 60 * 60, blockSeconds: 60 },
  signupsPerAddress: { failures: 30, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
};

/** Where shared counts live with PostgreSQL (see bff/app1/migrations). */
export const THROTTLE_TABLE = { schemaName: 'app1', tableName: 'login_throttle' } as const;

export function createLoginThrottle(limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS, storeClient?: Pool): LoginThrottle {
  const make = (prefix: string, l: ThrottleLimits['perUser']): RateLimiterAbstract => {
    // The failure that reaches the limit consumes one point past `points`,
    // which blocks the key for blockDuration; the next attempt is refused.
    const opts = { keyPrefix: prefix, points: l.failures - 1, duration: l.durationSeconds, blockDuration: l.blockSeconds };
    if (!storeClient) return new RateLimiterMemory(opts);
    return new RateLimiterPostgres({ ...opts, ...THROTTLE_TABLE, storeClient, storeType: 'pool', tableCreated: true, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  // PostgreSQL text cannot hold NUL, so the pair is joined unambiguously without it.
  const pair = (u: string, a: string) => JSON.stringify([u, a]);
  const userAddress = make('login-ua', limits.perUserAddress);
  const address = make('login-a', limits.perAddress);
  const user = make('login-u', limits.perUser);
  const signups = make('signup-a', limits.signupsPerAddress ?? DEFAULT_THROTTLE_LIMITS.signupsPerAddress!);
  const keys = (u: string, a: string): [RateLimiterAbstract, string][] => [
    [userAddress, pair(u, a)],
    [address, a],
    [user, u],
  ];

  return {
    async retryAfter(u, a) {
      let waitMs = 0;
      for (const [limiter, key] of keys(u, a)) {
        const res: RateLimiterRes | null = await limiter.get(key);
        if (res && res.consumedPoints > limiter.points) waitMs = Math.max(waitMs, res.msBeforeNext);
      }
      return Math.ceil(waitMs / 1000);
    },
    async failed(u, a) {
      // consume() rejects once over the limit; that is the expected outcome here.
      await Promise.allSettled(keys(u, a).map(([limiter, key]) => limiter.consume(key)));
    },
    async succeeded(u, a) {
      await userAddress.delete(pair(u, a));
    },
    async signupRetryAfter(a) {
      const existing = await signups.get(a);
      if (existing && existing.consumedPoints > signups.points) return Math.ceil(existing.msBeforeNext / 1000);
      await signups.consume(a).catch(() => undefined);
      return 0;
    },
  };
}
