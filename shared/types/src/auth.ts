// zod/mini: the same validation as classic zod, tree-shakable, so the SPAs
// that parse with these schemas stay within their bundle budget.
import { z } from 'zod/mini';

/**
 * Usernames are normalized once, at the edge: NFKC, trimmed, lower-cased, so
 * `Alice`, ` alice ` and the full-width `ａｌｉｃｅ` are one account.
 * Allowed after normalization: 3 to 32 of a-z, 0-9, `.`, `_`, `-`, starting
 * with a letter or digit.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;

export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

export const UsernameSchema = z.pipe(
  z.pipe(z.string({ error: 'Enter a username.' }).check(z.maxLength(256, 'Username is too long.')), z.transform(normalizeUsername)),
  z.string().check(z.regex(USERNAME_PATTERN, 'Use 3 to 32 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.')),
);

const utf8 = new TextEncoder();

/**
 * bcrypt only looks at the first 72 bytes of a password and silently ignores
 * the rest, so longer passwords are rejected rather than truncated.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 72;

export const NewPasswordSchema = z.string({ error: 'Enter a password.' }).check(
  z.minLength(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`),
  z.refine((p: string) => utf8.encode(p).length <= PASSWORD_MAX_BYTES, {
    message: `Use at most ${PASSWORD_MAX_BYTES} bytes (about ${PASSWORD_MAX_BYTES} letters; fewer with accents or emoji).`,
  }),
);

/** Sign-in checks only the shape; a wrong length is just a wrong password. */
export const PasswordSchema = z
  .string({ error: 'Enter your password.' })
  .check(z.minLength(1, 'Enter your password.'), z.maxLength(1024, 'Password is too long.'));

const ReturnToSchema = z.optional(z.string().check(z.maxLength(2048)));

export const SignupRequestSchema = z.object({
  username: UsernameSchema,
  password: NewPasswordSchema,
  email: z.optional(z.email('Enter a valid email address.').check(z.maxLength(254, 'Use at most 254 characters.'))),
  name: z.optional(
    z.pipe(
      z.string().check(z.trim()),
      z.string().check(z.minLength(1, 'Enter your name.'), z.maxLength(100, 'Use at most 100 characters.')),
    ),
  ),
  returnTo: ReturnToSchema,
});
export type SignupRequest = z.input<typeof SignupRequestSchema>;

export const LoginRequestSchema = z.object({
  username: UsernameSchema,
  password: PasswordSchema,
  returnTo: ReturnToSchema,
});
export type LoginRequest = z.input<typeof LoginRequestSchema>;

/** The identity app's view of a user. `id` is the stable opaque `sub`. */
export const AccountSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.nullable(z.string()),
  name: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
});
export type Account = z.infer<typeof AccountSchema>;

export const LoginResponseSchema = z.object({
  user: AccountSchema,
  redirectTo: z.string(),
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const SignupResponseSchema = LoginResponseSchema;
export type SignupResponse = LoginResponse;

export const SessionInfoSchema = z.object({
  id: z.string(),
  createdAt: z.iso.datetime(),
  /** When the current domain token expires (it is refreshed before then). */
  tokenExpiresAt: z.iso.datetime(),
  /** Signed out after this much inactivity. */
  idleExpiresAt: z.iso.datetime(),
  /** Signed out at this time whatever the activity. */
  absoluteExpiresAt: z.iso.datetime(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const SessionResponseSchema = z.object({
  user: AccountSchema,
  session: SessionInfoSchema,
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

export const RefreshResponseSchema = z.object({
  tokenExpiresAt: z.iso.datetime(),
});
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;

export const ChangePasswordRequestSchema = z.object({
  currentPassword: PasswordSchema,
  newPassword: NewPasswordSchema,
});
export type ChangePasswordRequest = z.input<typeof ChangePasswordRequestSchema>;

export const ChangePasswordResponseSchema = z.object({
  user: AccountSchema,
  /** Other sessions of this user that were signed out. */
  revokedSessions: z.int(),
});
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponseSchema>;

export const LogoutRequestSchema = z.object({
  /** Sign out every session of this user, not only this one. */
  everywhere: z.optional(z.boolean()),
});
export type LogoutRequest = z.infer<typeof LogoutRequestSchema>;

export const LogoutResponseSchema = z.object({
  signedOut: z.literal(true),
  revokedSessions: z.int(),
});
export type LogoutResponse = z.infer<typeof LogoutResponseSchema>;

/** One entry of the identity app's revocation feed. */
export const RevocationSchema = z.object({
  sid: z.string(),
  revokedAt: z.int(),
  /** Tokens of this session cannot outlive this time (ms); drop it after. */
  expiresAt: z.int(),
});
export const RevocationFeedSchema = z.object({
  revocations: z.array(RevocationSchema),
  /** Pass back as `?since=` to receive only newer entries. */
  cursor: z.int(),
});
export type RevocationFeed = z.infer<typeof RevocationFeedSchema>;
