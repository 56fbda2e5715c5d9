import { z } from 'zod/mini';
import { AccountSchema, PasswordSchema } from './auth';

// Its own module: only the sign-up and account pages (loaded on demand)
// need these, so they stay out of the first page's bundle.

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

