import type { Pool } from 'pg';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressKey } from '../users/client-address';
import { takePoint, windowCounter } from '../users/window-counter';

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
  const perAddress = windowCounter({ keyPrefix: 'email-a', points: limits.requestsPerAddress, durationSeconds: 15 * 60 }, storeClient);
  const perAccount = windowCounter({ keyPrefix: 'email-u', points: limits.mailsPerAccount, durationSeconds: 60 * 60 }, storeClient);
  const wait = async (limiter: RateLimiterAbstract, key: string) => (await takePoint(limiter, key)) ?? 0;
  return {
    async retryAfter(address, userId) {
      const byAddress = await wait(perAddress, addressKey(address));
      if (byAddress > 0) return byAddress;
      return wait(perAccount, userId);
    },
  };
}
