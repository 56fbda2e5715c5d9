/** A user of the identity app, as stored. */
export interface UserRecord {
  /** Stable opaque id; the token's `sub`. Never the username. */
  id: string;
  /** Normalized (NFKC, trimmed, lower-case); unique. */
  username: string;
  email: string | null;
  /** The address was confirmed through a mailed link (ADR 030); false without an address. */
  emailVerified: boolean;
  name: string | null;
  passwordHash: string;
  createdAt: string;
  disabledAt: string | null;
  /** Groups an operator put the account in (the token's `groups`); empty on records stored before groups existed. */
  groups: string[];
}

export type AddGroupResult = 'added' | 'present' | 'full' | 'no-user';
export type RemoveGroupResult = 'removed' | 'absent' | 'no-user';

export type CreateUserResult = { ok: true; user: UserRecord } | { ok: false; code: 'USERNAME_TAKEN' };

/** Where users live. lowdb by default; any engine with a unique username works. */
export interface UserStore {
  findByUsername(username: string): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  /** Every account with this email address (case-insensitive; addresses are not unique). */
  findByEmail(email: string): Promise<UserRecord[]>;
  /** Creates the user unless the username is taken; atomic with respect to that check. */
  create(user: UserRecord): Promise<CreateUserResult>;
  updatePassword(id: string, passwordHash: string): Promise<void>;
  /** How many stored password hashes have each bcrypt cost (sign-in timing for unknown users follows it). */
  passwordCosts(): Promise<Map<number, number>>;
  /** Disables (or re-enables) an account; a disabled account cannot sign in or refresh. */
  setDisabled(id: string, disabledAt: string | null): Promise<void>;
  /** Every account, by username (the operator's `users`). */
  list(): Promise<UserRecord[]>;
  /** Adds a group unless present or the account already has `max`; atomic (two operators at once cannot exceed it). */
  addGroup(id: string, group: string, max: number): Promise<AddGroupResult>;
  removeGroup(id: string, group: string): Promise<RemoveGroupResult>;
  /**
   * Deletes the account and everything app 1 holds about it, in one atomic
   * step (ADR 034): every session not yet revoked whose tokens may live goes
   * into the revocation feed, then sessions, second factors, one-time tokens
   * and the user are deleted, and a deletion keyed by `sub` joins the feed
   * for `retentionMs`. Null when there is no such user.
   */
  deleteAccount(id: string, options: { now: number; reason: string; tokenLifetimeMs: number; retentionMs: number }): Promise<{ revoked: string[] } | null>;
  /** Sets the display name; the updated user, or null if unknown. */
  setName(id: string, name: string | null): Promise<UserRecord | null>;
  /** Marks the address verified if it is still the account's address (case-insensitive), atomically; else null. */
  markEmailVerified(id: string, email: string): Promise<UserRecord | null>;
  /** Sets a new address, verified (its confirmation link was used); the updated user, or null if unknown. */
  changeEmail(id: string, email: string): Promise<UserRecord | null>;
}

/** The bcrypt cost written in a hash (`$2b$10$...` → 10); null if it is not a bcrypt hash. */
export function bcryptCost(hash: string): number | null {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : null;
}
