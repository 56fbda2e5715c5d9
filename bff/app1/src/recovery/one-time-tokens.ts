import { createHash, randomBytes } from 'node:crypto';
import type { ConsumeResult, OneTimeTokenStore, TokenPurpose } from './one-time-token-store';

const PREFIX: Record<TokenPurpose, string> = { 'password-reset': 'rst' };

/** 256 random bits after a purpose prefix (the prefix lets the access log find and redact a token in any URL). */
const TOKEN_PATTERN = /^[a-z]{3}_[A-Za-z0-9_-]{43}$/;

/** Any one-time token anywhere in a string (for log redaction). */
export const ONE_TIME_TOKEN_IN_TEXT = /\b(?:rst)_[A-Za-z0-9_-]{20,}/g;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues and redeems one-time tokens (password reset links). A token is 256
 * random bits; only its SHA-256 is stored, so a copy of the store cannot
 * reset anyone's password. Single use, short-lived, and void once a newer one
 * is issued or the password changes.
 */
export function createOneTimeTokens(store: OneTimeTokenStore, options: { ttlSeconds: number; now: () => number }) {
  return {
    ttlSeconds: options.ttlSeconds,
    async issue(userId: string, purpose: TokenPurpose): Promise<string> {
      const token = `${PREFIX[purpose]}_${randomBytes(32).toString('base64url')}`;
      const now = options.now();
      await store.issue({ hash: hashToken(token), purpose, userId, createdAt: now, expiresAt: now + options.ttlSeconds * 1000, usedAt: null });
      return token;
    },
    async consume(token: string, purpose: TokenPurpose): Promise<ConsumeResult> {
      // A malformed value is simply unknown; nothing is looked up for it.
      if (!TOKEN_PATTERN.test(token) || !token.startsWith(`${PREFIX[purpose]}_`)) return { ok: false, code: 'invalid' };
      return store.consume(hashToken(token), purpose, options.now());
    },
    voidForUser: (userId: string, purpose: TokenPurpose) => store.voidForUser(userId, purpose),
  };
}

export type OneTimeTokens = ReturnType<typeof createOneTimeTokens>;
