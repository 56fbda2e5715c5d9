import type { Pool } from 'pg';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressKey } from './client-address';
import { takePoint as take, windowCounter } from './window-counter';

export { THROTTLE_TABLE } from './window-counter';

/**
 * Brute-force regulation for sign-in and password checks, in the manner of
 * Authelia's and OWASP's "device cookies". Every limit is consumed
 * atomically BEFORE the password is checked (a burst of concurrent guesses
 * cannot all pass a check made before any of them failed) and refunded when
 * the password was right. Keys use the normalized username whether or not
 * the account exists, so throttling never reveals which usernames are real;
 * client addresses count by their /64 for IPv6 (see client-address.ts).
 *
 * An unknown browser is subject to:
 * - per (username, address): 5 failures in 15 min, then 15 min off. The main
 *   defence against guessing one account's password.
 * - per address: 30 failures in 15 min, then 15 min off. One client spraying
 *   many accounts.
 * - per username, from anywhere: 100 failures in an hour, then 1 min off.
 *   Slows a distributed attack on one account.
 * A browser carrying a valid device cookie for that username (it signed in
 * to that account before) is subject to its own limit instead (5 failures
 * in 15 min, then it counts as unknown again) and to the per-address limit:
 * an attacker spraying the account from any number of addresses trips the
 * per-username limit, which the owner's browser does not see.
 *
 * Fair admission to the bcrypt pool: at most `concurrentPerAddress` and
 * `concurrentPerUser` checks in flight at once (per instance: the pool is
 * per instance), and at most `successesPerUser` successful sign-ins per
 * account in 15 min, so one account cannot fill the queue for everyone.
 *
 * Counts live in memory by default (one instance). Given a PostgreSQL pool,
 * they live in THROTTLE_TABLE (created by app 1's migrations) and every
 * instance shares them; if the database fails, each instance falls back to
 * counting in its own memory until it answers again.
 */
export interface LoginThrottle {
  /**
   * Takes one attempt from every limit that applies to this sign-in (or
   * password check), before the password is verified. Refused: the seconds
   * to wait. Admitted: a ticket that must be settled exactly once.
   */
  begin(attempt: LoginAttempt): Promise<Admission>;
  /**
   * Counts a sign-up from this client address atomically; the seconds to
   * wait if it is over its limit (0 if allowed). Slows account spam and
   * username probing.
   */
  signupRetryAfter(address: string | undefined): Promise<number>;
  /**
   * A sign-in with a passkey (no username until it verified): one attempt
   * from the client address's limit and concurrency, as a password sign-in
   * takes, before the answer is checked; a failure stays counted, a success
   * is given back and counts against the account's successful sign-ins.
   */
  beginPasskey(address: string | undefined): Promise<PasskeyAdmission>;
  /** Passkey sign-in options (each stores a challenge) per client address: the seconds to wait when over (0 if allowed). */
  passkeyOptionsRetryAfter(address: string | undefined): Promise<number>;
}

export type PasskeyAdmission =
  | { ok: true; succeeded(username: string): Promise<{ ok: true } | { ok: false; retryAfter: number }>; failed(): Promise<void> }
  | { ok: false; retryAfter: number; reason: 'failures' | 'concurrency' };

/** Passkey sign-in options per client address per minute (each holds a challenge for a few minutes). */
export const PASSKEY_OPTIONS_PER_ADDRESS_PER_MINUTE = 60;

export interface LoginAttempt {
  username: string;
  address: string | undefined;
  /** The id in a valid device cookie for this username, if the browser sent one. */
  deviceId?: string | null;
}

export type Admission =
  | { ok: true; ticket: AttemptTicket }
  | { ok: false; retryAfter: number; reason: 'failures' | 'concurrency' | 'successes' };

export interface AttemptTicket {
  /** The password was right: refunds the attempt. Refused when the account signed in too often lately. */
  succeeded(options?: { countSuccess?: boolean }): Promise<{ ok: true } | { ok: false; retryAfter: number }>;
  /** The password was wrong: the attempt stays counted. */
  failed(): Promise<void>;
  /** The check never ran (the hasher was busy): the attempt is given back. */
  abandon(): Promise<void>;
}

export interface Limit {
  /** Attempts allowed within `durationSeconds`; the next is refused for `blockSeconds`. */
  failures: number;
  durationSeconds: number;
  blockSeconds: number;
}

export interface ThrottleLimits {
  perUserAddress: Limit;
  perAddress: Limit;
  perUser: Limit;
  /** Failures from one trusted browser (device cookie) before it counts as unknown again. */
  perDevice?: Limit;
  /** Sign-ups per client address (every valid attempt counts). */
  signupsPerAddress?: Limit;
  /** Successful sign-ins per account (`failures` = successes allowed). */
  successesPerUser?: Limit;
  /** Password checks in flight at once per client address and per account (per instance). */
  concurrentPerAddress?: number;
  concurrentPerUser?: number;
}

const FIFTEEN_MINUTES = 15 * 60;

export const DEFAULT_THROTTLE_LIMITS = {
  perUserAddress: { failures: 5, durationSeconds: FIFTEEN_MINUTES, blockSeconds: FIFTEEN_MINUTES },
  perAddress: { failures: 30, durationSeconds: FIFTEEN_MINUTES, blockSeconds: FIFTEEN_MINUTES },
  perUser: { failures: 100, durationSeconds: 60 * 60, blockSeconds: 60 },
  perDevice: { failures: 5, durationSeconds: FIFTEEN_MINUTES, blockSeconds: FIFTEEN_MINUTES },
  signupsPerAddress: { failures: 30, durationSeconds: FIFTEEN_MINUTES, blockSeconds: FIFTEEN_MINUTES },
  successesPerUser: { failures: 30, durationSeconds: FIFTEEN_MINUTES, blockSeconds: 5 * 60 },
  concurrentPerAddress: 2,
  concurrentPerUser: 1,
} satisfies Required<ThrottleLimits>;

/** Counts of checks in flight, per key, in this process. */
class InFlight {
  private readonly counts = new Map<string, number>();
  constructor(private readonly max: number) {}
  tryTake(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }
  release(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

export function createLoginThrottle(configured: Partial<ThrottleLimits> = DEFAULT_THROTTLE_LIMITS, storeClient?: Pool): LoginThrottle {
  const limits = { ...DEFAULT_THROTTLE_LIMITS, ...configured };
  const make = (keyPrefix: string, l: Limit) => windowCounter({ keyPrefix, points: l.failures, durationSeconds: l.durationSeconds, blockSeconds: l.blockSeconds }, storeClient);
  // PostgreSQL text cannot hold NUL, so the pair is joined unambiguously without it.
  const pair = (u: string, a: string) => JSON.stringify([u, a]);
  const userAddress = make('login-ua', limits.perUserAddress);
  const address = make('login-a', limits.perAddress);
  const user = make('login-u', limits.perUser);
  const device = make('login-d', limits.perDevice);
  const successes = make('login-ok-u', limits.successesPerUser);
  const signups = make('signup-a', limits.signupsPerAddress);
  const passkeyOptions = make('passkey-opt-a', { failures: PASSKEY_OPTIONS_PER_ADDRESS_PER_MINUTE, durationSeconds: 60, blockSeconds: 60 });
  const inFlightByAddress = new InFlight(limits.concurrentPerAddress);
  const inFlightByUser = new InFlight(limits.concurrentPerUser);

  /** A trusted device that used up its own limit is an unknown browser again (OWASP). */
  async function trusted(deviceId: string | null | undefined): Promise<boolean> {
    if (!deviceId) return false;
    const res = await device.get(deviceId);
    return !res || res.consumedPoints < device.points;
  }

  return {
    async begin({ username, address: rawAddress, deviceId }) {
      const a = addressKey(rawAddress);
      if (!inFlightByAddress.tryTake(a)) return { ok: false, retryAfter: 1, reason: 'concurrency' };
      if (!inFlightByUser.tryTake(username)) {
        inFlightByAddress.release(a);
        return { ok: false, retryAfter: 1, reason: 'concurrency' };
      }
      const release = () => {
        inFlightByAddress.release(a);
        inFlightByUser.release(username);
      };
      try {
        // An account past its successful sign-in limit is refused before
        // bcrypt: a flood of right passwords must not keep a thread busy.
        // (The atomic count is taken after the check; this only saves work.)
        const successCount = await successes.get(username);
        if (successCount && successCount.consumedPoints > successes.points) {
          release();
          return { ok: false, retryAfter: Math.max(1, Math.ceil(successCount.msBeforeNext / 1000)), reason: 'successes' };
        }
        const keys: [RateLimiterAbstract, string][] = (await trusted(deviceId))
          ? [[device, deviceId!], [address, a]]
          : [[userAddress, pair(username, a)], [address, a], [user, username]];
        const waits = await Promise.all(keys.map(([limiter, key]) => take(limiter, key)));
        const refused = waits.filter((w): w is number => w !== null);
        if (refused.length > 0) {
          // The attempt does not happen: give back what the other limits took.
          await Promise.all(keys.filter((_, i) => waits[i] === null).map(([limiter, key]) => limiter.reward(key, 1)));
          release();
          return { ok: false, retryAfter: Math.max(...refused), reason: 'failures' };
        }
        let settled = false;
        const settle = () => {
          if (settled) throw new Error('an attempt ticket was settled twice');
          settled = true;
          release();
        };
        return {
          ok: true,
          ticket: {
            async succeeded({ countSuccess = true } = {}) {
              settle();
              await Promise.all(keys.map(([limiter, key]) => (limiter === userAddress ? limiter.delete(key) : limiter.reward(key, 1))));
              if (!countSuccess) return { ok: true };
              const wait = await take(successes, username);
              return wait === null ? { ok: true } : { ok: false, retryAfter: wait };
            },
            async failed() {
              settle();
            },
            async abandon() {
              settle();
              await Promise.all(keys.map(([limiter, key]) => limiter.reward(key, 1)));
            },
          },
        };
      } catch (err) {
        release();
        throw err;
      }
    },
    async signupRetryAfter(rawAddress) {
      return (await take(signups, addressKey(rawAddress))) ?? 0;
    },
    async passkeyOptionsRetryAfter(rawAddress) {
      return (await take(passkeyOptions, addressKey(rawAddress))) ?? 0;
    },
    async beginPasskey(rawAddress) {
      const a = addressKey(rawAddress);
      if (!inFlightByAddress.tryTake(a)) return { ok: false, retryAfter: 1, reason: 'concurrency' };
      let settled = false;
      const settle = () => {
        if (settled) throw new Error('a passkey attempt was settled twice');
        settled = true;
        inFlightByAddress.release(a);
      };
      try {
        const wait = await take(address, a);
        if (wait !== null) {
          settle();
          return { ok: false, retryAfter: wait, reason: 'failures' };
        }
      } catch (err) {
        settle();
        throw err;
      }
      return {
        ok: true,
        async succeeded(username) {
          settle();
          await address.reward(a, 1);
          const wait = await take(successes, username);
          return wait === null ? { ok: true } : { ok: false, retryAfter: wait };
        },
        async failed() {
          settle();
        },
      };
    },
  };
}
