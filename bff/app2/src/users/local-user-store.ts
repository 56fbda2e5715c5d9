/** App 2's own record of a user it has seen through single sign-on. */
export interface LocalUserRecord {
  id: string;
  iss: string;
  sub: string;
  username: string;
  email: string | null;
  /** The token's `email_verified` when last seen. */
  emailVerified: boolean;
  name: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export interface ProvisionInput {
  iss: string;
  sub: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export interface LocalUserStore {
  /**
   * Just-in-time provisioning keyed by (iss, sub): creates the user on first
   * sight, updates changed claims, and touches `lastSeenAt` at most once per
   * `lastSeenGranularityMs` (so a steady stream of requests does not write).
   * Race-free: concurrent calls for one new subject yield one record.
   */
  upsert(input: ProvisionInput, now: number): Promise<{ user: LocalUserRecord; created: boolean }>;
  /** Deletes the local user of (iss, sub), if any (the identity app deleted the account); true when one was deleted. Idempotent. */
  deleteBySubject(iss: string, sub: string): Promise<boolean>;
  /** The local user of (iss, sub), or null. */
  findBySubject(iss: string, sub: string): Promise<LocalUserRecord | null>;
}
