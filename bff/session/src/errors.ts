/**
 * Why a session could not be established. Knows nothing of HTTP: each app maps
 * these codes to its own responses.
 */
export type SessionErrorCode =
  /** No session cookie was sent. */
  | 'TOKEN_MISSING'
  /** Signature, algorithm, issuer, audience, type or claims are wrong. */
  | 'TOKEN_INVALID'
  /** A genuine token whose `exp` (or maximum age) has passed. */
  | 'TOKEN_EXPIRED'
  /** A genuine token whose server session was revoked (sign-out). */
  | 'TOKEN_REVOKED'
  /** The cookie appears more than once with different values (a planted cookie). */
  | 'DUPLICATE_COOKIE'
  /** A valid session, but not in a group the route requires (`requireSession({ groups })`). */
  | 'FORBIDDEN'
  /** Verification keys could not be obtained (identity app unreachable, no cache). */
  | 'KEYS_UNAVAILABLE'
  /**
   * A valid session whose authentication is not enough for this route:
   * no second factor (`amr` without `mfa`), or proven longer ago than the
   * route allows (`auth_time`). Only a step-up at the identity app helps.
   */
  | 'STEP_UP_REQUIRED'
  /** The library was configured in a way that cannot work; thrown at start-up. */
  | 'CONFIG_INVALID'
  /** A key file exists but cannot be read or parsed; thrown at start-up. */
  | 'KEY_FILE_INVALID';

export class SessionError extends Error {
  override readonly name = 'SessionError';
  /** For STEP_UP_REQUIRED: the identity app's step-up page (with `max_age` when the route bounds it); add `returnTo`. */
  readonly stepUpUrl?: string;
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    options?: { cause?: unknown; stepUpUrl?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.stepUpUrl !== undefined) this.stepUpUrl = options.stepUpUrl;
  }
}

export function isSessionError(err: unknown): err is SessionError {
  return err instanceof SessionError;
}
