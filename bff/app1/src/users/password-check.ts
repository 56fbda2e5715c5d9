import type { App1Context } from '../context';
import type { UserRecord } from './user-store';

export type PasswordCheck =
  | { ok: true; user: UserRecord }
  | { ok: false; code: 'INVALID_CREDENTIALS' }
  | { ok: false; code: 'RATE_LIMITED'; retryAfter: number; reason: 'failures' | 'concurrency' | 'successes' };

/**
 * Checks a username and password under the sign-in limits: an attempt is
 * taken from every limit before bcrypt runs and given back when the password
 * was right (login-throttle.ts). Unknown users, disabled users and wrong
 * passwords are one outcome, at one cost. `countSuccess` counts a success
 * against the account's sign-in limit (sign-in yes, password change no).
 */
export async function checkPassword(
  ctx: App1Context,
  attempt: { username: string; password: string; address: string | undefined; cookieHeader: string | undefined; countSuccess: boolean },
): Promise<PasswordCheck> {
  const deviceId = ctx.devices.read(attempt.cookieHeader, attempt.username);
  const admission = await ctx.throttle.begin({ username: attempt.username, address: attempt.address, deviceId });
  if (!admission.ok) return { ok: false, code: 'RATE_LIMITED', retryAfter: admission.retryAfter, reason: admission.reason };
  const { ticket } = admission;
  let ok: boolean;
  let user: UserRecord | null;
  try {
    user = await ctx.users.findByUsername(attempt.username);
    // Always one bcrypt comparison, against a dummy hash for unknown users.
    ok = await ctx.hasher.verify(attempt.password, user?.passwordHash ?? null, attempt.username);
  } catch (err) {
    await ticket.abandon();
    throw err;
  }
  if (!ok || !user || user.disabledAt !== null) {
    await ticket.failed();
    return { ok: false, code: 'INVALID_CREDENTIALS' };
  }
  const admitted = await ticket.succeeded({ countSuccess: attempt.countSuccess });
  if (!admitted.ok) return { ok: false, code: 'RATE_LIMITED', retryAfter: admitted.retryAfter, reason: 'successes' };
  return { ok: true, user };
}
