/**
 * What a one-time link is for. Each purpose has its own tokens; a newer one
 * voids the older of the same user and purpose. `email-verify` confirms the
 * account's current address; `email-change` confirms a new one (ADR 030).
 */
export type TokenPurpose = 'password-reset' | 'email-verify' | 'email-change';

/** A one-time token as stored: only its SHA-256, never the token itself. Times are epoch ms. */
export interface OneTimeTokenRecord {
  hash: string;
  purpose: TokenPurpose;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** Set once, when the token is redeemed; kept until expiry so a second use is told "used", not "unknown". */
  usedAt: number | null;
  /** The address the link confirms (email-verify, email-change); null for a reset. Absent in records stored before ADR 030. */
  email?: string | null;
}

export type ConsumeResult = { ok: true; record: OneTimeTokenRecord } | { ok: false; code: 'invalid' | 'expired' | 'used' };

/** Where one-time tokens live (lowdb collection `oneTimeTokens`, PostgreSQL table `app1.one_time_tokens`). */
export interface OneTimeTokenStore {
  /** Stores a token and voids (deletes) every unused one of the same user and purpose, atomically. */
  issue(record: OneTimeTokenRecord): Promise<void>;
  /**
   * Redeems a token at most once: of any number of concurrent calls with one
   * hash, exactly one gets `ok`. Unknown or voided: `invalid`.
   */
  consume(hash: string, purpose: TokenPurpose, now: number): Promise<ConsumeResult>;
  /** Voids every unused token of a user for a purpose (the password changed); how many. */
  voidForUser(userId: string, purpose: TokenPurpose): Promise<number>;
  /** The user's newest unused, unexpired token of a purpose (a pending email change), or null. */
  findLive(userId: string, purpose: TokenPurpose, now: number): Promise<OneTimeTokenRecord | null>;
}
