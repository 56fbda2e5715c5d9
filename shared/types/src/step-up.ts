import { z } from 'zod/mini';
import { ReturnToSchema } from './auth';

// Only app 1's step-up page, the recent-authentication prompt and app 2's
// security page use these: a module of their own, out of app 1's first page.

/** A 6-digit TOTP code or a recovery code (this module's copy, for the same bundle reason as second-factor-login.ts). */
const CodeSchema = /* @__PURE__ */ z
  .string({ error: 'Enter the code.' })
  .check(z.minLength(1, 'Enter the code.'), z.maxLength(64, 'That code is too long.'));

/**
 * `max_age` of a step-up: seconds the last authentication may be old (a
 * relying app's `maxAuthAge`), as the query string carries it: 1 to 8 digits.
 * A string schema (not z.coerce.number): zod's number classes would join app
 * 1's first page, where zod lives (see second-factor.ts).
 */
export const StepUpMaxAgeSchema = /* @__PURE__ */ z.string({ error: 'max_age must be a number of seconds.' }).check(z.regex(/^[1-9][0-9]{0,7}$/, 'max_age must be a whole number of seconds, 1 or more.'));

/** GET /api/session/step-up?returnTo=…&max_age=…: what the step-up page should do. */
export const StepUpQuerySchema = /* @__PURE__ */ z.object({
  returnTo: ReturnToSchema,
  max_age: z.optional(StepUpMaxAgeSchema),
});
export type StepUpQuery = z.input<typeof StepUpQuerySchema>;

export const StepUpStatusSchema = /* @__PURE__ */ z.object({
  /**
   * The second factors this account can prove (`totp`, `recovery-code`,
   * `passkey`; an account with passkeys but no TOTP: `passkey` alone).
   * Empty: none is set up, the page says so.
   */
  methods: z.array(z.string()),
  /** The session already has a second factor, recently enough for `max_age`: go back at once. */
  satisfied: z.literal([true, false]),
  /** Where to go afterwards: the validated `returnTo`, else app 1's account page. */
  redirectTo: z.string(),
  username: z.string(),
});
export type StepUpStatus = z.infer<typeof StepUpStatusSchema>;

/** POST /api/session/step-up: a second factor again, for the live session (never the password). */
export const StepUpRequestSchema = /* @__PURE__ */ z.object({
  code: CodeSchema,
  returnTo: ReturnToSchema,
});
export type StepUpRequest = z.input<typeof StepUpRequestSchema>;

export const StepUpResponseSchema = /* @__PURE__ */ z.object({
  redirectTo: z.string(),
  tokenExpiresAt: z.iso.datetime(),
});
export type StepUpResponse = z.infer<typeof StepUpResponseSchema>;

/** App 2's GET /api/security: a page that needs a second factor, proved recently. */
export const SecurityResponseSchema = /* @__PURE__ */ z.object({
  username: z.string(),
  /** How the person authenticated (RFC 8176): `pwd`, `otp`, `mfa`, ... */
  amr: z.array(z.string()),
  /** When they last proved who they are. */
  authTime: z.iso.datetime(),
  /** After this, the page asks for the second factor again. */
  stepUpValidUntil: z.iso.datetime(),
});
export type SecurityResponse = z.infer<typeof SecurityResponseSchema>;
