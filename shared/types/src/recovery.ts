import { z } from 'zod/mini';
import { NewPasswordSchema } from './password';

// Its own module: only the forgot and reset pages (loaded on demand) need these.

/** POST /api/password/forgot: a username or an email address. */
export const ForgotPasswordRequestSchema = z.object({
  login: z.pipe(
    z.string({ error: 'Enter your username or email address.' }).check(z.maxLength(254, 'Use at most 254 characters.')),
    z.pipe(z.transform((v: string) => v.normalize('NFKC').trim()), z.string().check(z.minLength(1, 'Enter your username or email address.'))),
  ),
});
export type ForgotPasswordRequest = z.input<typeof ForgotPasswordRequestSchema>;

/** Always the same (202), whether or not an account matched: the answer never tells which accounts exist. */
export const ForgotPasswordResponseSchema = z.object({
  accepted: z.literal(true),
});
export type ForgotPasswordResponse = z.infer<typeof ForgotPasswordResponseSchema>;

/** POST /api/password/reset: the token from the mailed link and the new password. */
export const ResetPasswordRequestSchema = z.object({
  token: z.string({ error: 'The link is incomplete.' }).check(z.minLength(1, 'The link is incomplete.'), z.maxLength(256, 'The link is not valid.')),
  password: NewPasswordSchema,
});
export type ResetPasswordRequest = z.input<typeof ResetPasswordRequestSchema>;

/** The password is set and every session of the account ended; the person signs in with it (ADR 020). */
export const ResetPasswordResponseSchema = z.object({
  username: z.string(),
  revokedSessions: z.int(),
});
export type ResetPasswordResponse = z.infer<typeof ResetPasswordResponseSchema>;
