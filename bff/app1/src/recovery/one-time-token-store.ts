/** What a one-time link is for. Each purpose has its own tokens; a newer one voids the older of the same user and purpose. */
export type TokenPurpose = 'password-reset';

/** A one-time token as stored: only its SHA-256, never the token itself. Times are epoch ms. */
export interface OneTimeTokenRecord {
  hash: string;
  purpose: TokenPurpose;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** Set once, when the token is redeemed; kept until expiry so a second use is told "used", not "unknown". */
  usedAt: number | null;
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
}
