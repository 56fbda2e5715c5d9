/** A registered passkey (WebAuthn credential), as stored. Only public material: the private key never leaves the authenticator. */
export interface PasskeyRecord {
  /** The credential id (base64url), unique across accounts. */
  id: string;
  userId: string;
  name: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last use (0 for authenticators that keep none). */
  counter: number;
  /** Where the browser may find it (`internal`, `hybrid`, `usb`, ...): a hint for allowCredentials. */
  transports: string[];
  /** `multiDevice`: backup eligible, a synced passkey (amr `swk`); `singleDevice`: bound to one authenticator (`hwk`). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/**
 * A WebAuthn challenge waiting for its answer: one per (purpose, binding),
 * where the binding is what the ceremony belongs to (a session id, a pending
 * sign-in id, the hash of a browser's sign-in cookie). Taken once.
 */
export interface PasskeyChallengeRecord {
  /** `<purpose>:<binding>`. */
  key: string;
  challenge: string;
  /** The account the ceremony is for; null for a sign-in with no username (discoverable credentials). */
  userId: string | null;
  /** ms since epoch. */
  expiresAt: number;
}

export type AddPasskeyResult = 'added' | 'exists' | 'limit';

/**
 * Where passkeys and their pending challenges live (lowdb collections or
 * PostgreSQL tables). Every check-and-change is atomic: a challenge is taken
 * once however many requests carry it at the same moment, a counter only
 * moves from the value the verification saw, and the per-account limit
 * holds under a burst of registrations.
 */
export interface PasskeyStore {
  listForUser(userId: string): Promise<PasskeyRecord[]>;
  get(id: string): Promise<PasskeyRecord | null>;
  /** Adds a passkey unless its credential id is known ('exists') or the account has `maxPerUser` already ('limit'). */
  add(record: PasskeyRecord, maxPerUser: number): Promise<AddPasskeyResult>;
  /** Renames one of the user's passkeys; null when the user has no passkey with that id. */
  rename(userId: string, id: string, name: string): Promise<PasskeyRecord | null>;
  /** Removes one of the user's passkeys; false when the user has no passkey with that id. */
  remove(userId: string, id: string): Promise<boolean>;
  /**
   * Compare-and-set after a verified assertion: moves the counter from
   * `fromCounter` to `toCounter` and records the use. False when the counter
   * moved meanwhile (a concurrent use of a cloned key) or the passkey is gone.
   */
  recordUse(id: string, fromCounter: number, toCounter: number, usedAt: string, backedUp: boolean): Promise<boolean>;
  /** Stores a challenge, replacing any earlier one of the same key (and drops some expired ones). */
  putChallenge(record: PasskeyChallengeRecord, now: number): Promise<void>;
  /** Removes and returns the challenge of `key` if it has not expired: exactly once. */
  takeChallenge(key: string, now: number): Promise<PasskeyChallengeRecord | null>;
}
