/** An account's TOTP factor, as stored. The secret is sealed (secret-box.ts), never plain. */
export interface TotpRecord {
  userId: string;
  sealedSecret: string;
  createdAt: string;
  /** Null until a first code confirmed the person's app has it; only then does it count. */
  confirmedAt: string | null;
  /** The last time step whose code was accepted: that code and older ones are refused (replay). */
  lastUsedStep: number | null;
}

/** An account's recovery codes: SHA-256 hashes of the unused ones. */
export interface RecoveryCodesRecord {
  userId: string;
  hashes: string[];
  createdAt: string;
}

/**
 * Where second factors live (lowdb collections or PostgreSQL tables). Every
 * check-and-change is atomic: a code is accepted once however many requests
 * carry it at the same moment.
 */
export interface SecondFactorStore {
  getTotp(userId: string): Promise<TotpRecord | null>;
  /** Starts an enrolment: replaces an unconfirmed record; refused (false) when a confirmed one exists. */
  beginTotp(record: TotpRecord): Promise<boolean>;
  /** Confirms an unconfirmed record with the step of the code that proved it; false when there is none to confirm. */
  confirmTotp(userId: string, step: number, confirmedAt: string): Promise<boolean>;
  /** Compare-and-set: records `step` as used if it is after the last used one; false means the code was used already. */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  deleteTotp(userId: string): Promise<boolean>;
  /** Replaces every recovery code of the user. */
  setRecoveryCodes(record: RecoveryCodesRecord): Promise<void>;
  /** Removes the code with this hash if the user has it: true exactly once per code. */
  useRecoveryCode(userId: string, hash: string): Promise<boolean>;
  recoveryCodesLeft(userId: string): Promise<number>;
  deleteRecoveryCodes(userId: string): Promise<void>;
}
