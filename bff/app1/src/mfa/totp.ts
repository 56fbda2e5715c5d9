import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as RFC 6238 and every common authenticator app (Google
 * Authenticator, Authy, 1Password, Aegis) expect it: HMAC-SHA-1, 30-second
 * steps, 6 digits. Codes of the previous and next step are accepted too
 * (phone clocks drift), so a code matches one of three steps; which step it
 * matched is returned so the caller can refuse a second use (replay).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW_STEPS = 1;

/** 160 random bits, the size RFC 4226 recommends, as Base32 (what apps take when typed by hand). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secret: string, label = 'account', issuer = 'SSO'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** The `otpauth://totp/Issuer:label?secret=...` URI a QR code carries. */
export function totpUri(secret: string, label: string, issuer: string): string {
  return totpOf(secret, label, issuer).toString();
}

/** The time step `nowMs` falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The step whose code `code` is, within one step of `nowMs`; null when it is
 * none of them. Only digits of the right length are compared (the library
 * compares in constant time).
 */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
  return delta === null ? null : totpStep(nowMs) + delta;
}

/** The code of the step `nowMs` falls in (tests, and nothing else). */
export function totpCodeAt(secret: string, nowMs: number): string {
  return totpOf(secret).generate({ timestamp: nowMs });
}
