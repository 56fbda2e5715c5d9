import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressKey } from '../users/client-address';
import { THROTTLE_TABLE } from '../users/login-throttle';

/**
 * Limits on "forgot password". Each count is taken atomically before anything
 * else happens, so a concurrent burst cannot slip past a check made before
 * any of it was counted (rate-limiter-flexible's consume is one atomic
 * increment, in memory or in PostgreSQL).
 * - per client address (IPv6: /64): answered 429; says nothing about accounts.
 * - per account: no answer changes past it (that would tell the account
 *   exists); the mail is simply not sent. Stops mail-bombing one person.
 */
export interface RecoveryThrottle {
  /** Counts a request from this address; the seconds to wait when over the limit, else 0. */
  requestRetryAfter(address: string | undefined): Promise<number>;
  /** Counts a mail to this account; false when the account had its share. */
  mayMail(userId: string): Promise<boolean>;
}

export interface RecoveryLimits {
  requestsPerAddress: number;
  mailsPerAccount: number;
}

export function createRecoveryThrottle(limits: RecoveryLimits, storeClient?: Pool): RecoveryThrottle {
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const opts = { keyPrefix, points, duration };
    if (!storeClient) return new RateLimiterMemory(opts);
    return new RateLimiterPostgres({ ...opts, ...THROTTLE_TABLE, storeClient, storeType: 'pool', tableCreated: true, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  const perAddress = make('forgot-a', limits.requestsPerAddress, 15 * 60);
  const perAccount = make('forgot-u', limits.mailsPerAccount, 60 * 60);
  return {
    async requestRetryAfter(address) {
      try {
        await perAddress.consume(addressKey(address));
        return 0;
      } catch (err) {
        if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw err;
      }
    },
    async mayMail(userId) {
      try {
        await perAccount.consume(userId);
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) return false;
        throw err;
      }
    },
  };
}
