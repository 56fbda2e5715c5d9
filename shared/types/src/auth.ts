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

/** Sign-in checks only the shape; a wrong length is just a wrong password. */
export const PasswordSchema = z
  .string({ error: 'Enter your password.' })
  .check(z.minLength(1, 'Enter your password.'), z.maxLength(1024, 'Password is too long.'));

export const ReturnToSchema = z.optional(z.string().check(z.maxLength(2048)));

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
  /** True once the address was confirmed through a mailed link (always false without an address). `z.literal([true, false])`: z.boolean's schema stays off app 1's first page. */
  emailVerified: z.literal([true, false]),
  name: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
  /** Groups an operator put the account in (`npm run admin -- group add`); the token's `groups`. */
  groups: z.array(z.string()),
});
export type Account = z.infer<typeof AccountSchema>;

export const LoginResponseSchema = z.object({
  user: AccountSchema,
  redirectTo: z.string(),
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

/**
 * Either answer of POST /api/login (and of POST /api/signup): signed in
 * (`user`, `redirectTo`); or the password passed and a second factor is due
 * (`secondFactor`, see second-factor.ts); or, with SSO_REQUIRE_VERIFIED_EMAIL,
 * the address is not verified yet (`verifyEmail`: the "check your inbox"
 * page, ADR 030). One object schema with a check, not a z.union: the sign-in
 * page is the first page and has a bundle budget.
 */
export const LoginOutcomeSchema = /* @__PURE__ */ z
  .object({
    user: z.optional(AccountSchema),
    redirectTo: z.optional(z.string()),
    secondFactor: z.optional(z.object({ expiresAt: z.string() })),
    verifyEmail: z.optional(z.object({ email: z.nullable(z.string()) })),
  })
  .check(z.refine((v) => Number(!!v.secondFactor) + Number(!!v.verifyEmail) + Number(!!(v.user && v.redirectTo)) === 1));
export type LoginOutcome = z.infer<typeof LoginOutcomeSchema>;

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

/** GET /api/session, signed in: who, and how long the session lasts. */
export const SignedInSessionSchema = z.object({
  user: AccountSchema,
  session: SessionInfoSchema,
});
export type SignedInSession = z.infer<typeof SignedInSessionSchema>;

/**
 * GET /api/session from a browser that sent neither the domain token nor the
 * refresh cookie: nobody is signed in and there is nothing to renew. This is
 * a normal empty state (200), not an error. A token that is expired or
 * invalid, or a refresh cookie on its own, still gets a 401 with a code, so
 * the SPA renews (ADR 015).
 */
export const SignedOutSessionSchema = z.object({
  user: z.null(),
});
export type SignedOutSession = z.infer<typeof SignedOutSessionSchema>;

/**
 * Either answer of GET /api/session. It is one object schema whose check
 * allows a session only together with its user. A z.union would add about
 * 0.4 kB gzip to SPA 1's first page, which has a bundle budget. The check has
 * no message because a failure only becomes BAD_RESPONSE in the SPA.
 * `@__PURE__` lets bundles that never use the schema (SPA 2) drop the
 * `.check()` call.
 */
export const SessionResponseSchema = /* @__PURE__ */ z
  .object({ user: z.nullable(AccountSchema), session: z.optional(SessionInfoSchema) })
  .check(z.refine((v) => !v.user === !v.session));
export type SessionResponse = SignedInSession | SignedOutSession;

export const RefreshResponseSchema = z.object({
  tokenExpiresAt: z.iso.datetime(),
});
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;

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
/** One account deletion in the revocation feed. */
export const DeletionSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  /** When the account was deleted (ms). */
  deletedAt: z.int(),
});
export type Deletion = z.infer<typeof DeletionSchema>;
export const RevocationFeedSchema = z.object({
  revocations: z.array(RevocationSchema),
  /** Pass back as `?since=` to receive only newer entries. */
  cursor: z.int(),
  /**
   * Signing keys withdrawn in an emergency (`npm run keys:withdraw`), the whole
   * list on every poll: refuse tokens with these `kid`s until `expiresAt` (ms).
   */
  withdrawnKeys: z.array(z.object({ kid: z.string(), expiresAt: z.int() })),
  /**
   * Accounts deleted after the cursor (ADR 034), keyed by (`iss`, `sub`):
   * a relying app deletes its local user. Kept in the feed for
   * SSO_DELETION_FEED_RETENTION (30 days), so an app that was down catches up.
   * Added later than the rest: a relying app that predates it ignores it.
   */
  deletions: z.array(DeletionSchema),
});
export type RevocationFeed = z.infer<typeof RevocationFeedSchema>;

/**
 * Why a session is over, so the sign-in form can say so in one line:
 * idle or absolute timeout, signed out (here or everywhere), password
 * changed, account disabled, refresh token reused, or revoked otherwise.
 */
export const SESSION_END_REASONS = ['idle', 'absolute', 'signed-out', 'signed-out-everywhere', 'password-changed', 'disabled', 'reused', 'revoked'] as const;
export const SessionEndReasonSchema = z.enum(SESSION_END_REASONS);
export type SessionEndReason = z.infer<typeof SessionEndReasonSchema>;
