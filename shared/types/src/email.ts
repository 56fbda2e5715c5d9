import { z } from 'zod/mini';
import { AccountSchema, PasswordSchema } from './auth';
import { DisplayNameSchema, EmailAddressSchema } from './signup';

// Its own module: only the verify, check-your-inbox and account pages (loaded on demand) need these (ADR 030).

/** POST /api/email/verify: the token from a mailed link (a verification or an email-change confirmation). */
export const VerifyEmailRequestSchema = z.object({
  token: z.string({ error: 'The link is incomplete.' }).check(z.minLength(1, 'The link is incomplete.'), z.maxLength(256, 'The link is not valid.')),
});
export type VerifyEmailRequest = z.input<typeof VerifyEmailRequestSchema>;

/** The address is now the account's, verified. `changed`: the link confirmed a new address (email change). */
export const VerifyEmailResponseSchema = z.object({
  email: z.string(),
  emailVerified: z.literal(true),
  changed: z.boolean(),
});
export type VerifyEmailResponse = z.infer<typeof VerifyEmailResponseSchema>;

/**
 * POST /api/email/verification: mail a fresh verification link (signed in,
 * or from the "check your inbox" step). `email` only for an account that has
 * no address yet (ADR 030): the link then goes to it, and confirming it sets it.
 */
export const ResendVerificationRequestSchema = z.object({
  email: z.optional(EmailAddressSchema),
});
export type ResendVerificationRequest = z.input<typeof ResendVerificationRequestSchema>;

export const ResendVerificationResponseSchema = z.object({
  /** Where the link went. */
  sentTo: z.string(),
});
export type ResendVerificationResponse = z.infer<typeof ResendVerificationResponseSchema>;

/** POST /api/account/profile: the display name (null clears it). Takes effect at once. */
export const UpdateProfileRequestSchema = z.object({
  name: z.nullable(DisplayNameSchema),
});
export type UpdateProfileRequest = z.input<typeof UpdateProfileRequestSchema>;

export const UpdateProfileResponseSchema = z.object({
  user: AccountSchema,
});
export type UpdateProfileResponse = z.infer<typeof UpdateProfileResponseSchema>;

/** POST /api/account/email: a confirmation link goes to the new address, a notice to the old; nothing changes until the link is used. */
export const ChangeEmailRequestSchema = z.object({
  email: EmailAddressSchema,
  currentPassword: PasswordSchema,
});
export type ChangeEmailRequest = z.input<typeof ChangeEmailRequestSchema>;

export const PendingEmailSchema = z.object({
  email: z.string(),
  expiresAt: z.iso.datetime(),
});
export type PendingEmail = z.infer<typeof PendingEmailSchema>;

/** GET /api/account/email and the answer of POST /api/account/email (202). */
export const EmailStatusSchema = z.object({
  email: z.nullable(z.string()),
  emailVerified: z.boolean(),
  /** An email change waiting for its confirmation link. */
  pending: z.nullable(PendingEmailSchema),
});
export type EmailStatus = z.infer<typeof EmailStatusSchema>;
