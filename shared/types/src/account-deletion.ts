import { z } from 'zod/mini';
import { PasswordSchema } from './auth';

// Its own module: only the account page (loaded on demand) uses these.

/** A group name: what `npm run admin -- group add` accepts and forward-auth rules name. */
export const GROUP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
/** Groups one account may be in: the token (and so the domain cookie) stays well under 4096 bytes. */
export const MAX_GROUPS = 20;

/**
 * POST /api/account/delete: the password again, and a code (TOTP or a
 * recovery code) when a second factor is enrolled.
 */
export const DeleteAccountRequestSchema = /* @__PURE__ */ z.object({
  password: PasswordSchema,
  code: z.optional(z.string().check(z.maxLength(64, 'That code is too long.'))),
});
export type DeleteAccountRequest = z.infer<typeof DeleteAccountRequestSchema>;

export const DeleteAccountResponseSchema = /* @__PURE__ */ z.object({
  deleted: z.literal(true),
  /** Sessions that ended with it (this one included). */
  revokedSessions: z.int(),
});
export type DeleteAccountResponse = z.infer<typeof DeleteAccountResponseSchema>;

/**
 * GET /api/account/export: what app 1 holds about the signed-in person, as
 * JSON. Never a secret: no password hash, no TOTP secret, no recovery code,
 * no refresh token hash.
 */
export const AccountExportSchema = /* @__PURE__ */ z.object({
  exportedAt: z.iso.datetime(),
  issuer: z.string(),
  // Spelled out rather than z.extend(AccountSchema): only functions the SPAs already use.
  account: z.object({
    id: z.string(),
    username: z.string(),
    email: z.nullable(z.string()),
    name: z.nullable(z.string()),
    createdAt: z.iso.datetime(),
    groups: z.array(z.string()),
    disabledAt: z.nullable(z.iso.datetime()),
  }),
  sessions: z.array(
    z.object({
      id: z.string(),
      createdAt: z.iso.datetime(),
      lastActiveAt: z.iso.datetime(),
      absoluteExpiresAt: z.iso.datetime(),
      userAgent: z.nullable(z.string()),
      address: z.nullable(z.string()),
      amr: z.array(z.string()),
    }),
  ),
  secondFactor: z.object({
    totp: z.nullable(z.object({ createdAt: z.iso.datetime(), confirmedAt: z.nullable(z.iso.datetime()) })),
    recoveryCodesLeft: z.int(),
  }),
});
export type AccountExport = z.infer<typeof AccountExportSchema>;
