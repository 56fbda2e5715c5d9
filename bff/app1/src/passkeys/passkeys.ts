import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { Logger } from 'pino';
import type { App1Context } from '../context';
import type { UserRecord } from '../users/user-store';
import type { PasskeyRecord } from './passkey-store';

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server (ADR 033). Every ceremony
 * has one server-side challenge per (purpose, binding), where the binding is
 * what the ceremony belongs to: the session (registration, step-up), the
 * pending sign-in (second factor) or the hash of a host-only cookie of the
 * browser that asked (sign-in with no username). A challenge is taken out of
 * the store atomically BEFORE the answer is verified, so it works once,
 * whatever the outcome, however many requests carry it at once, and never
 * after its few minutes.
 */

/** What a ceremony is for; the step-up of a signed-in session uses `step-up` with the session id as binding. */
export type PasskeyPurpose = 'register' | 'sign-in' | 'second-factor' | 'step-up';

/** RFC 8176: a key bound to one authenticator (`hwk`), or one its provider may copy to other devices (`swk`). */
export type PasskeyAmr = 'hwk' | 'swk';

export type PasskeyRefusal =
  | { ok: false; code: 'PASSKEY_CHALLENGE_INVALID'; reason: 'no-challenge' | 'expired-or-used' }
  | { ok: false; code: 'PASSKEY_REFUSED'; reason: string; userId?: string };

export type PasskeyAssertionResult = { ok: true; passkey: PasskeyRecord; userId: string; userVerified: boolean; amr: PasskeyAmr } | PasskeyRefusal;

export type PasskeyRegistrationResult = { ok: true; passkey: PasskeyRecord } | PasskeyRefusal | { ok: false; code: 'SECOND_FACTOR_CONFLICT'; reason: 'exists' | 'limit' };

/** Algorithms offered at registration: Ed25519, P-256, RSA (what every authenticator in use speaks). */
const ALGORITHMS = [-8, -7, -257];
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

const challengeKey = (purpose: PasskeyPurpose, binding: string) => `${purpose}:${binding}`;

/** The short, loggable form of a credential id (ids are not secret, but long). */
export const passkeyLogId = (id: string) => id.slice(0, 12);

export function amrOf(deviceType: PasskeyRecord['deviceType']): PasskeyAmr {
  return deviceType === 'multiDevice' ? 'swk' : 'hwk';
}

/** The user handle a passkey carries: the account's opaque id, never its username (it is stored on the authenticator). */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return isoUint8Array.fromUTF8String(userId) as Uint8Array<ArrayBuffer>;
}

async function storeChallenge(ctx: App1Context, purpose: PasskeyPurpose, binding: string, userId: string | null, challenge: string) {
  const now = ctx.now();
  await ctx.passkeys.putChallenge({ key: challengeKey(purpose, binding), challenge, userId, expiresAt: now + ctx.config.passkeys.challengeTtlSeconds * 1000 }, now);
}

async function takeChallenge(ctx: App1Context, purpose: PasskeyPurpose, binding: string, userId: string | null): Promise<string | PasskeyRefusal> {
  const taken = await ctx.passkeys.takeChallenge(challengeKey(purpose, binding), ctx.now());
  if (!taken) return { ok: false, code: 'PASSKEY_CHALLENGE_INVALID', reason: 'expired-or-used' };
  // Options made for one account are never answered for another.
  if (taken.userId !== userId) return { ok: false, code: 'PASSKEY_CHALLENGE_INVALID', reason: 'no-challenge' };
  return taken.challenge;
}

/** Options for `navigator.credentials.create()`: a discoverable credential for `user`, its existing passkeys excluded. */
export async function passkeyRegistrationOptions(ctx: App1Context, user: UserRecord, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await ctx.passkeys.listForUser(user.id);
  const options = await generateRegistrationOptions({
    rpName: ctx.config.cookieDomain,
    rpID: ctx.config.passkeys.rpId,
    userName: user.username,
    userID: userHandle(user.id),
    userDisplayName: user.name ?? user.username,
    timeout: ctx.config.passkeys.challengeTtlSeconds * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    // Discoverable, so that sign-in needs no username; verification asked for (a sign-in with the passkey alone requires it).
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await storeChallenge(ctx, 'register', binding, user.id, options.challenge);
  return options;
}

/** Verifies a registration answer for `user` and stores the passkey under `name`. */
export async function verifyPasskeyRegistration(
  ctx: App1Context,
  attempt: { user: UserRecord; binding: string; name: string; credential: RegistrationResponseJSON; log: Logger },
): Promise<PasskeyRegistrationResult> {
  const { user, log } = attempt;
  const challenge = await takeChallenge(ctx, 'register', attempt.binding, user.id);
  if (typeof challenge !== 'string') return refused(log, 'register', challenge, user.id);
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response: attempt.credential,
      expectedChallenge: challenge,
      expectedOrigin: ctx.config.origin,
      expectedRPID: ctx.config.passkeys.rpId,
      // Presence yes; verification is checked when the passkey signs in alone.
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!verified.verified) return refused(log, 'register', { ok: false, code: 'PASSKEY_REFUSED', reason: 'not verified' }, user.id);
    info = verified.registrationInfo;
  } catch (err) {
    return refused(log, 'register', { ok: false, code: 'PASSKEY_REFUSED', reason: reasonOf(err) }, user.id);
  }
  const passkey: PasskeyRecord = {
    id: info.credential.id,
    userId: user.id,
    name: attempt.name,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: (attempt.credential.response.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t)),
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    createdAt: new Date(ctx.now()).toISOString(),
    lastUsedAt: null,
  };
  const added = await ctx.passkeys.add(passkey, ctx.config.passkeys.maxPerUser);
  if (added !== 'added') return { ok: false, code: 'SECOND_FACTOR_CONFLICT', reason: added };
  log.info({ event: 'passkey.added', userId: user.id, passkey: passkeyLogId(passkey.id), synced: passkey.deviceType === 'multiDevice' }, 'audit');
  return { ok: true, passkey };
}

/**
 * Options for `navigator.credentials.get()`. With `userId` (second factor,
 * step-up) only that account's passkeys are allowed; without (sign-in), the
 * browser offers whichever discoverable passkey the person has for this RP
 * ID, and user verification is required.
 */
export async function passkeyAssertionOptions(
  ctx: App1Context,
  ceremony: { purpose: Exclude<PasskeyPurpose, 'register'>; binding: string; userId: string | null; requireUserVerification?: boolean },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = ceremony.userId ? await ctx.passkeys.listForUser(ceremony.userId) : [];
  const options = await generateAuthenticationOptions({
    rpID: ctx.config.passkeys.rpId,
    timeout: ctx.config.passkeys.challengeTtlSeconds * 1000,
    userVerification: ceremony.purpose === 'sign-in' || ceremony.requireUserVerification ? 'required' : 'preferred',
    ...(ceremony.userId ? { allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports })) } : {}),
  });
  await storeChallenge(ctx, ceremony.purpose, ceremony.binding, ceremony.userId, options.challenge);
  return options;
}

/**
 * Verifies a passkey assertion: the challenge of this (purpose, binding) is
 * taken first (once), then the credential must be a known one (of `userId`
 * when given), signed for app 1's origin and RP ID, with a counter that went
 * forward (a cloned authenticator's goes back), and, for a sign-in with the
 * passkey alone (`sign-in`), with user verification. The new counter is
 * stored by compare-and-set. Every outcome is audited.
 *
 * Step-up (a signed-in session proving it again) calls this with
 * `{ purpose: 'step-up', binding: <session id>, userId }` after
 * `passkeyAssertionOptions` with the same three (and
 * `requireUserVerification` when two-step sign-in is off, ADR 033).
 */
export async function verifyPasskeyAssertion(
  ctx: App1Context,
  attempt: {
    purpose: Exclude<PasskeyPurpose, 'register'>;
    binding: string;
    userId: string | null;
    credential: AuthenticationResponseJSON;
    log: Logger;
    /** Require user verification for another purpose than `sign-in` (a step-up where the passkey is the account's only second factor). */
    requireUserVerification?: boolean;
  },
): Promise<PasskeyAssertionResult> {
  const { purpose, log } = attempt;
  const challenge = await takeChallenge(ctx, purpose, attempt.binding, attempt.userId);
  if (typeof challenge !== 'string') return refused(log, purpose, challenge, attempt.userId ?? undefined);
  const passkey = await ctx.passkeys.get(attempt.credential.id);
  const refuse = (reason: string) => refused(log, purpose, { ok: false, code: 'PASSKEY_REFUSED', reason }, passkey?.userId ?? attempt.userId ?? undefined);
  if (!passkey) return refuse('unknown credential');
  if (attempt.userId !== null && passkey.userId !== attempt.userId) return refuse('credential of another account');
  const handle = attempt.credential.response.userHandle;
  if (handle !== undefined && handle !== isoBase64URL.fromBuffer(userHandle(passkey.userId))) return refuse('user handle does not match');
  let info;
  try {
    const verified = await verifyAuthenticationResponse({
      response: attempt.credential,
      expectedChallenge: challenge,
      expectedOrigin: ctx.config.origin,
      expectedRPID: ctx.config.passkeys.rpId,
      credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
      // A passkey that signs in alone is two factors only with verification (PIN, biometrics).
      requireUserVerification: purpose === 'sign-in' || attempt.requireUserVerification === true,
    });
    if (!verified.verified) return refuse('signature not verified');
    info = verified.authenticationInfo;
  } catch (err) {
    return refuse(reasonOf(err));
  }
  const usedAt = new Date(ctx.now()).toISOString();
  if (!(await ctx.passkeys.recordUse(passkey.id, passkey.counter, info.newCounter, usedAt, info.credentialBackedUp))) return refuse('counter moved meanwhile');
  const amr = amrOf(info.credentialDeviceType);
  log.info({ event: 'passkey.used', userId: passkey.userId, passkey: passkeyLogId(passkey.id), purpose, amr, userVerified: info.userVerified }, 'audit');
  return { ok: true, passkey: { ...passkey, counter: info.newCounter, lastUsedAt: usedAt }, userId: passkey.userId, userVerified: info.userVerified, amr };
}

function refused(log: Logger, purpose: PasskeyPurpose, refusal: PasskeyRefusal, userId?: string): PasskeyRefusal {
  log.warn({ event: 'passkey.failure', purpose, code: refusal.code, reason: refusal.reason, ...(userId ? { userId } : {}) }, 'audit');
  return userId && refusal.code === 'PASSKEY_REFUSED' ? { ...refusal, userId } : refusal;
}

/** The library's message names the check that failed (origin, RP ID, counter, flags): kept for the audit line only. */
function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}
