import { z } from 'zod/mini';
import { LoginOutcomeSchema, ReturnToSchema, UsernameSchema, type LoginOutcome } from './auth';
import { NewPasswordSchema } from './password';

/** An email address as sign-up and the email change take it. */
export const EmailAddressSchema = z.email('Enter a valid email address.').check(z.maxLength(254, 'Use at most 254 characters.'));

/** A display name: trimmed, 1 to 100 characters. */
export const DisplayNameSchema = z.pipe(
  z.string().check(z.trim()),
  z.string().check(z.minLength(1, 'Enter your name.'), z.maxLength(100, 'Use at most 100 characters.')),
);

export const SignupRequestSchema = z.object({
  username: UsernameSchema,
  password: NewPasswordSchema,
  email: z.optional(EmailAddressSchema),
  name: z.optional(DisplayNameSchema),
  returnTo: ReturnToSchema,
});
export type SignupRequest = z.input<typeof SignupRequestSchema>;

/** Signed in (`user`, `redirectTo`), or with SSO_REQUIRE_VERIFIED_EMAIL the "check your inbox" step (`verifyEmail`). */
export const SignupResponseSchema = LoginOutcomeSchema;
export type SignupResponse = LoginOutcome;

