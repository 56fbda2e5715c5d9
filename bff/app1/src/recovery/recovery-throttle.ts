import type { Pool } from 'pg';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { addressKey } from '../users/client-address';
import { takePoint, windowCounter } from '../users/window-counter';

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
  const perAddress = windowCounter({ keyPrefix: 'forgot-a', points: limits.requestsPerAddress, durationSeconds: 15 * 60 }, storeClient);
  const perAccount = windowCounter({ keyPrefix: 'forgot-u', points: limits.mailsPerAccount, durationSeconds: 60 * 60 }, storeClient);
  return {
    async requestRetryAfter(address) {
      return (await takePoint(perAddress, addressKey(address))) ?? 0;
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
