import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { THROTTLE_TABLE } from '../users/login-throttle';

/**
 * A 6-digit code has 10^6 values and three are accepted at any moment (one
 * step of drift either way), so guesses are bounded twice, each counted
 * atomically BEFORE the code is checked (a concurrent burst cannot slip
 * past a check made before any of it failed):
 * - per pending sign-in: `perSignIn` attempts, then it is over and the
 *   password must be given again;
 * - per account, whatever the sign-in or browser: `perUser.failures` in
 *   `perUser.durationSeconds`, then `perUser.blockSeconds` off. With the
 *   defaults (10 per 15 min) an attacker who has the password needs about
 *   10^6 / 3 / 10 quarter hours (years) for even odds.
 * A right code gives its account attempt back. Counts live in memory, or
 * with PostgreSQL in the table the sign-in limits use (shared by every
 * instance).
 */
export interface SecondFactorLimits {
  perSignIn: number;
  perUser: { failures: number; durationSeconds: number; blockSeconds: number };
}

export const DEFAULT_SECOND_FACTOR_LIMITS: SecondFactorLimits = {
  perSignIn: 5,
  perUser: { failures: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
};

export type SecondFactorAdmission =
  | { ok: true; succeeded(): Promise<void> }
  | { ok: false; reason: 'sign-in-exhausted' }
  | { ok: false; reason: 'account'; retryAfter: number };

export interface SecondFactorThrottle {
  /** Takes an attempt from the account (and from the pending sign-in, when one is given). */
  begin(userId: string, pendingId: string | null): Promise<SecondFactorAdmission>;
  /** True once per pending sign-in: the one that may finish it (a cookie is never good for two sessions). */
  finish(pendingId: string): Promise<boolean>;
}

export function createSecondFactorThrottle(limits: SecondFactorLimits = DEFAULT_SECOND_FACTOR_LIMITS, storeClient?: Pool): SecondFactorThrottle {
  const make = (keyPrefix: string, points: number, duration: number, blockDuration = 0): RateLimiterAbstract => {
    const opts = { keyPrefix, points, duration, blockDuration };
    if (!storeClient) return new RateLimiterMemory(opts);
    return new RateLimiterPostgres({ ...opts, ...THROTTLE_TABLE, storeClient, storeType: 'pool', tableCreated: true, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  const user = make('mfa-u', limits.perUser.failures, limits.perUser.durationSeconds, limits.perUser.blockSeconds);
  // Pending sign-ins live minutes; their counters live as long (the longest pending lifetime is 15 min).
  const signIn = make('mfa-p', limits.perSignIn, 15 * 60);
  const finished = make('mfa-done', 1, 15 * 60);

  async function take(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
    try {
      await limiter.consume(key);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err;
    }
  }

  return {
    async begin(userId, pendingId) {
      const [pendingWait, userWait] = await Promise.all([pendingId ? take(signIn, pendingId) : null, take(user, userId)]);
      if (pendingWait !== null) {
        if (userWait === null) await user.reward(userId, 1);
        return { ok: false, reason: 'sign-in-exhausted' };
      }
      if (userWait !== null) {
        if (pendingId) await signIn.reward(pendingId, 1);
        return { ok: false, reason: 'account', retryAfter: userWait };
      }
      return {
        ok: true,
        succeeded: async () => {
          await user.reward(userId, 1);
        },
      };
    },
    async finish(pendingId) {
      return (await take(finished, pendingId)) === null;
    },
  };
}
