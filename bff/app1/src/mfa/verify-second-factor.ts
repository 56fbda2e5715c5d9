import type { App1Context } from '../context';
import { hashRecoveryCode } from './recovery-codes';
import { matchTotp } from './totp';

export type SecondFactorCheck =
  | { ok: true; method: 'totp' | 'recovery-code'; recoveryCodesLeft?: number }
  | { ok: false; code: 'INVALID_SECOND_FACTOR' }
  | { ok: false; code: 'RATE_LIMITED'; retryAfter: number }
  | { ok: false; code: 'SECOND_FACTOR_EXPIRED' };

/**
 * Checks a second-factor code for `userId` under the limits
 * (second-factor-throttle.ts): a 6-digit TOTP code of the confirmed factor
 * (within one step, and only a step after the last one used: a code works
 * once), or, with `allowRecovery`, one of the unused recovery codes (which
 * is then used up). Every failure is audited.
 */
export async function checkSecondFactor(
  ctx: App1Context,
  attempt: { userId: string; code: string; pendingId: string | null; allowRecovery: boolean; log: App1Context['logger'] },
): Promise<SecondFactorCheck> {
  const admission = await ctx.secondFactorThrottle.begin(attempt.userId, attempt.pendingId);
  if (!admission.ok) {
    attempt.log.warn({ event: 'mfa.throttled', userId: attempt.userId, reason: admission.reason }, 'audit');
    return admission.reason === 'account' ? { ok: false, code: 'RATE_LIMITED', retryAfter: admission.retryAfter } : { ok: false, code: 'SECOND_FACTOR_EXPIRED' };
  }
  const code = attempt.code.trim();
  let method: 'totp' | 'recovery-code' | null = null;
  if (/^\d{6}$/.test(code)) {
    const totp = await ctx.secondFactors.getTotp(attempt.userId);
    const secret = totp?.confirmedAt ? ctx.secretBox.open(totp.sealedSecret) : null;
    const step = secret ? matchTotp(secret, code, ctx.now()) : null;
    // The compare-and-set refuses a step already used: a replayed (or concurrently raced) code fails.
    if (step !== null && (await ctx.secondFactors.useTotpStep(attempt.userId, step))) method = 'totp';
  } else if (attempt.allowRecovery) {
    const hash = hashRecoveryCode(code);
    if (hash !== null && (await ctx.secondFactors.useRecoveryCode(attempt.userId, hash))) method = 'recovery-code';
  }
  if (method === null) {
    attempt.log.warn({ event: 'mfa.failure', userId: attempt.userId }, 'audit');
    return { ok: false, code: 'INVALID_SECOND_FACTOR' };
  }
  await admission.succeeded();
  if (method === 'recovery-code') {
    const left = await ctx.secondFactors.recoveryCodesLeft(attempt.userId);
    attempt.log.info({ event: 'mfa.recovery-code.used', userId: attempt.userId, left }, 'audit');
    return { ok: true, method, recoveryCodesLeft: left };
  }
  return { ok: true, method };
}

/**
 * The second factors an account may pass at sign-in (empty: the password is
 * enough). Two-step sign-in is on with a confirmed TOTP factor (which brings
 * recovery codes); the account's passkeys then serve as a second factor too.
 * Passkeys alone do not turn it on (ADR 033): without recovery codes, a lost
 * passkey would lock the account.
 */
export async function enrolledSecondFactors(ctx: App1Context, userId: string): Promise<('totp' | 'recovery-code' | 'passkey')[]> {
  const totp = await ctx.secondFactors.getTotp(userId);
  if (!totp?.confirmedAt) return [];
  const [codesLeft, passkeys] = await Promise.all([ctx.secondFactors.recoveryCodesLeft(userId), ctx.passkeys.listForUser(userId)]);
  return ['totp', ...(codesLeft > 0 ? (['recovery-code'] as const) : []), ...(passkeys.length > 0 ? (['passkey'] as const) : [])];
}
