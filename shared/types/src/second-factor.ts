import { z } from 'zod/mini';

/** A TOTP or recovery code (the account page's copy: sharing a module with the sign-in page's chunk would split the first page). */
const SecondFactorCodeSchema = /* @__PURE__ */ z
  .string({ error: 'Enter the code.' })
  .check(z.minLength(1, 'Enter the code.'), z.maxLength(64, 'That code is too long.'));

// Its own module: the second-factor page and the account page's two-step
// section load on demand, so these stay out of the first page's bundle
// (except the small challenge schema the sign-in form parses).

export const TotpCodeSchema = /* @__PURE__ */ z.string({ error: 'Enter the 6-digit code.' }).check(z.regex(/^\d{6}$/, 'Enter the 6 digits your app shows.'));

export const SECOND_FACTOR_METHODS = ['totp', 'recovery-code', 'passkey'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/**
 * POST /api/login with a second factor enrolled: the password was right, no
 * session yet. A host-only cookie holds the pending sign-in for a few minutes.
 */
export const SecondFactorChallengeSchema = /* @__PURE__ */ z.object({
  secondFactor: z.object({
    methods: z.array(z.enum(SECOND_FACTOR_METHODS)),
    /** When the pending sign-in ends (then the password is asked again). */
    expiresAt: z.iso.datetime(),
  }),
});
export type SecondFactorChallenge = z.infer<typeof SecondFactorChallengeSchema>;

/**
 * GET /api/account/second-factor: what the account has enrolled (never a secret).
 * `enabled` is `z.literal([true, false])`, the same as `z.boolean()`: zod's
 * boolean classes are in no other schema app 1 uses, and zod lives in the
 * first page's chunk, so `z.boolean()` here cost the first page 0.07 kB.
 */
export const SecondFactorStatusSchema = /* @__PURE__ */ z.object({
  totp: z.object({ enabled: z.literal([true, false]), enabledAt: z.nullable(z.iso.datetime()) }),
  recoveryCodesLeft: z.int(),
});
export type SecondFactorStatus = z.infer<typeof SecondFactorStatusSchema>;

/** POST /api/account/totp/setup: a new, unconfirmed secret; shown once, here only. */
export const TotpSetupResponseSchema = /* @__PURE__ */ z.object({
  /** Base32, for typing into an app by hand. */
  secret: z.string(),
  /** `otpauth://totp/...`, for the QR code. */
  uri: z.string(),
});
export type TotpSetupResponse = z.infer<typeof TotpSetupResponseSchema>;

export const TotpConfirmRequestSchema = /* @__PURE__ */ z.object({ code: TotpCodeSchema });
export type TotpConfirmRequest = z.input<typeof TotpConfirmRequestSchema>;

/** Recovery codes, shown once: after confirming TOTP, or after regenerating them. */
export const RecoveryCodesResponseSchema = /* @__PURE__ */ z.object({
  recoveryCodes: z.array(z.string()),
});
export type RecoveryCodesResponse = z.infer<typeof RecoveryCodesResponseSchema>;

/** Disabling TOTP or regenerating recovery codes asks for a current code (TOTP, or a recovery code to disable). */
export const SecondFactorProofRequestSchema = /* @__PURE__ */ z.object({ code: SecondFactorCodeSchema });
export type SecondFactorProofRequest = z.input<typeof SecondFactorProofRequestSchema>;
