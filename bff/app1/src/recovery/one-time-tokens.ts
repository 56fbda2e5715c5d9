import { createHash, randomBytes } from 'node:crypto';
import type { ConsumeResult, OneTimeTokenStore, TokenPurpose } from './one-time-token-store';

const PREFIX: Record<TokenPurpose, string> = { 'password-reset': 'rst', 'email-verify': 'vfy', 'email-change': 'chg' };

/** 256 random bits after a purpose prefix (the prefix lets the access log find and redact a token in any URL). */
const TOKEN_PATTERN = /^[a-z]{3}_[A-Za-z0-9_-]{43}$/;

/** Any one-time token anywhere in a string (for log redaction). */
export const ONE_TIME_TOKEN_IN_TEXT = /\b(?:rst|vfy|chg)_[A-Za-z0-9_-]{20,}/g;

/** The purpose a token's prefix names (one endpoint redeems both email links), or null. */
export function purposeOf(token: string): TokenPurpose | null {
  for (const [purpose, prefix] of Object.entries(PREFIX) as [TokenPurpose, string][]) if (token.startsWith(`${prefix}_`)) return purpose;
  return null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues and redeems one-time tokens (password reset and email links). A
 * token is 256 random bits; only its SHA-256 is stored, so a copy of the
 * store cannot reset anyone's password. Single use, short-lived, and void
 * once a newer one of the same purpose is issued (or the password changes,
 * for resets). `ttlSeconds` is the reset lifetime; `emailTtlSeconds` that of
 * the two email links.
 */
export function createOneTimeTokens(store: OneTimeTokenStore, options: { ttlSeconds: number; emailTtlSeconds?: number; now: () => number }) {
  const ttlOf = (purpose: TokenPurpose) => (purpose === 'password-reset' ? options.ttlSeconds : (options.emailTtlSeconds ?? options.ttlSeconds));
  return {
    ttlSeconds: options.ttlSeconds,
    ttlOf,
    /** A new token; `email` is the address an email link confirms. */
    async issue(userId: string, purpose: TokenPurpose, email: string | null = null): Promise<string> {
      const token = `${PREFIX[purpose]}_${randomBytes(32).toString('base64url')}`;
      const now = options.now();
      await store.issue({ hash: hashToken(token), purpose, userId, createdAt: now, expiresAt: now + ttlOf(purpose) * 1000, usedAt: null, email });
      return token;
    },
    async consume(token: string, purpose: TokenPurpose): Promise<ConsumeResult> {
      // A malformed value is simply unknown; nothing is looked up for it.
      if (!TOKEN_PATTERN.test(token) || !token.startsWith(`${PREFIX[purpose]}_`)) return { ok: false, code: 'invalid' };
      return store.consume(hashToken(token), purpose, options.now());
    },
    voidForUser: (userId: string, purpose: TokenPurpose) => store.voidForUser(userId, purpose),
    findLive: (userId: string, purpose: TokenPurpose) => store.findLive(userId, purpose, options.now()),
  };
}

export type OneTimeTokens = ReturnType<typeof createOneTimeTokens>;
