import type { RevocationFeed } from '@sso/types';

/** What the store keeps of the revocation feed (withdrawn keys live in the key file; `iss` is added by the route). */
export type StoredRevocations = Pick<RevocationFeed, 'revocations' | 'cursor'> & { deletions: { sub: string; deletedAt: number }[] };

/** A server-side session: what a signed-in browser holds a refresh cookie for. */
export interface SessionRecord {
  /** Opaque id; the token's `sid`. */
  id: string;
  userId: string;
  createdAt: number;
  lastActiveAt: number;
  absoluteExpiresAt: number;
  /** SHA-256 of the current refresh token; the token itself is never stored. */
  refreshHash: string;
  /** Hashes of refresh tokens already rotated away; seeing one again means theft. */
  retiredRefreshHashes: string[];
  revokedAt: number | null;
  revokeReason: string | null;
  /** The browser's User-Agent at sign-in (capped), for "your devices"; null when none came. */
  userAgent: string | null;
  /** The client address at sign-in, as Express sees it through TRUST_PROXY; null when unknown. */
  address: string | null;
  /** How the person authenticated (RFC 8176 values: the token's `amr`); absent on older records: `['pwd']`. */
  amr?: string[];
  /** When the person last proved who they are (ms; the token's `auth_time`); absent on older records: `createdAt`. */
  authTime?: number;
}

/** Where a session was started from ("your devices"). */
export type SessionDevice = Pick<SessionRecord, 'userAgent' | 'address'>;

export type RefreshLookup = { session: SessionRecord; state: 'current' | 'retired' } | null;

/** Where sessions and the revocation feed live. */
export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  findByRefreshHash(hash: string): Promise<RefreshLookup>;
  /**
   * Compare-and-swap rotation: succeeds only if `fromHash` is still the
   * current hash, so two concurrent refreshes with one token cannot both win.
   */
  rotate(id: string, fromHash: string, toHash: string, now: number): Promise<'rotated' | 'stale'>;
  /**
   * Records that the person behind a live (not revoked) session proved who
   * they are again (step-up, re-authentication): its `amr` and `authTime`
   * become these. Returns the updated session, or null when there is none.
   */
  reauthenticate(id: string, amr: readonly string[], authTime: number): Promise<SessionRecord | null>;
  /** Marks sessions revoked and appends them to the revocation feed; returns the ids newly revoked. */
  revoke(ids: readonly string[], reason: string, now: number, tokenLifetimeMs: number): Promise<string[]>;
  /** The user's sessions not revoked whose absolute expiry is after `after` (idle ones included). */
  listActiveForUser(userId: string, after: number): Promise<SessionRecord[]>;
  /** Revocations after `cursor` (exclusive) whose tokens may still be alive, and account deletions still kept. */
  revocationsSince(cursor: number, now: number): Promise<StoredRevocations>;
}
