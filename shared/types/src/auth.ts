import { z } from 'zod';

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

export const UsernameSchema = z
  .string({ error: 'Enter a username.' })
  .max(256, 'Username is too long.')
  .transform(normalizeUsername)
  .pipe(
    z
      .string()
      .regex(
        USERNAME_PATTERN,
        'Use 3 to 32 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.',
      ),
  );

const utf8 = new TextEncoder();

/**
 * bcrypt only looks at the first 72 bytes of a password and silently ignores
 * the rest, so longer passwords are rejected rather than truncated.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 72;

export const NewPasswordSchema = z
  .string({ error: 'Enter a password.' })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .refine((p) => utf8.encode(p).length <= PASSWORD_MAX_BYTES, {
    message: `Use at most ${PASSWORD_MAX_BYTES} bytes (about ${PASSWORD_MAX_BYTES} letters; fewer with accents or emoji).`,
  });

/** Sign-in checks only the shape; a wrong length is just a wrong password. */
export const PasswordSchema = z
  .string({ error: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .max(1024, 'Password is too long.');

export const SignupRequestSchema = z.object({
  username: UsernameSchema,
  password: NewPasswordSchema,
  email: z.email('Enter a valid email address.').max(254).optional(),
  name: z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.').optional(),
  returnTo: z.string().max(2048).optional(),
});
export type SignupRequest = z.input<typeof SignupRequestSchema>;

export const LoginRequestSchema = z.object({
  username: UsernameSchema,
  password: PasswordSchema,
  returnTo: z.string().max(2048).optional(),
});
export type LoginRequest = z.input<typeof LoginRequestSchema>;

/** The identity app's view of a user. `id` is the stable opaque `sub`. */
export const AccountSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
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
  revokedSessions: z.number().int(),
});
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponseSchema>;

export const LogoutRequestSchema = z.object({
  /** Sign out every session of this user, not only this one. */
  everywhere: z.boolean().optional(),
});
export type LogoutRequest = z.infer<typeof LogoutRequestSchema>;

export const LogoutResponseSchema = z.object({
  signedOut: z.literal(true),
  revokedSessions: z.number().int(),
});
export type LogoutResponse = z.infer<typeof LogoutResponseSchema>;

/** One entry of the identity app's revocation feed. */
export const RevocationSchema = z.object({
  sid: z.string(),
  revokedAt: z.number().int(),
  /** Tokens of this session cannot outlive this time (ms); drop it after. */
  expiresAt: z.number().int(),
});
export const RevocationFeedSchema = z.object({
  revocations: z.array(RevocationSchema),
  /** Pass back as `?since=` to receive only newer entries. */
  cursor: z.number().int(),
});
export type RevocationFeed = z.infer<typeof RevocationFeedSchema>;
