import type { Pool } from 'pg';
import { takePoint as take, windowCounter } from '../users/window-counter';

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
  const user = windowCounter({ keyPrefix: 'mfa-u', points: limits.perUser.failures, durationSeconds: limits.perUser.durationSeconds, blockSeconds: limits.perUser.blockSeconds }, storeClient);
  // Pending sign-ins live minutes; their counters live as long (the longest pending lifetime is 15 min).
  const signIn = windowCounter({ keyPrefix: 'mfa-p', points: limits.perSignIn, durationSeconds: 15 * 60 }, storeClient);
  const finished = windowCounter({ keyPrefix: 'mfa-done', points: 1, durationSeconds: 15 * 60 }, storeClient);

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
