import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressKey } from '../users/client-address';
import { THROTTLE_TABLE } from '../users/login-throttle';

/**
 * Limits on mails about an email address (verification resend, email
 * change; ADR 030). Both counts are one atomic increment each
 * (rate-limiter-flexible, in memory or in the shared PostgreSQL table), taken
 * before any mail is queued, so a concurrent burst cannot slip past them.
 * Unlike "forgot password", the caller proved the password (a session or the
 * "check your inbox" step), so a 429 per account tells nobody anything new.
 */
export interface EmailThrottle {
  /** Counts one request from this address, then one mail for this account; the seconds to wait when either is over its limit, else 0. */
  retryAfter(address: string | undefined, userId: string): Promise<number>;
}

export function createEmailThrottle(limits: { requestsPerAddress: number; mailsPerAccount: number }, storeClient?: Pool): EmailThrottle {
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const opts = { keyPrefix, points, duration };
    if (!storeClient) return new RateLimiterMemory(opts);
    return new RateLimiterPostgres({ ...opts, ...THROTTLE_TABLE, storeClient, storeType: 'pool', tableCreated: true, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  const perAddress = make('email-a', limits.requestsPerAddress, 15 * 60);
  const perAccount = make('email-u', limits.mailsPerAccount, 60 * 60);
  const wait = async (limiter: RateLimiterAbstract, key: string) => {
    try {
      await limiter.consume(key);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err;
    }
  };
  return {
    async retryAfter(address, userId) {
      const byAddress = await wait(perAddress, addressKey(address));
      if (byAddress > 0) return byAddress;
      return wait(perAccount, userId);
    },
  };
}
