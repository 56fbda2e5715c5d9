import { z } from 'zod/mini';
import { SessionEndReasonSchema } from './auth';

/**
 * Every error code either BFF can answer with. Stable: clients switch on these,
 * never on `title` or `detail`.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  /** A client error with no more specific code: a body that does not inflate, a path that does not decode. */
  'BAD_REQUEST',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'INVALID_CREDENTIALS',
  'USERNAME_TAKEN',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'SESSION_ENDED',
  'REFRESH_REUSED',
  'FORBIDDEN_ORIGIN',
  /** Signed in (or not) and still not allowed: a forward-auth access rule says no. */
  'ACCESS_DENIED',
  /** Signed in, but not in a group the route requires (the kit's `requireSession({ groups })`). */
  'FORBIDDEN',
  'RATE_LIMITED',
  'NOT_FOUND',
  /** A one-time link (password reset) that is unknown, voided by a newer one or by a password change. */
  'LINK_INVALID',
  'LINK_EXPIRED',
  'LINK_USED',
  'IDENTITY_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'INTERNAL',
  /** A wrong or already used TOTP or recovery code (second factor). */
  'INVALID_SECOND_FACTOR',
  /** The pending sign-in (password passed, second factor not yet) is over: sign in again. */
  'SECOND_FACTOR_EXPIRED',
  /** The account already has (or does not have) the second factor this asks to change. */
  'SECOND_FACTOR_CONFLICT',
  /** The account's email address is verified already: there is nothing to resend. */
  'EMAIL_ALREADY_VERIFIED',
  /** Signed in, but this route needs a second factor (proved recently): go to `stepUpUrl` with `returnTo`. */
  'STEP_UP_REQUIRED',
  /** A sensitive action on app 1 needs a fresh proof (`methods`): prove it again, then retry. */
  'RECENT_AUTH_REQUIRED',
  /** Step-up asks for a second factor and the account has none: set one up first. */
  'SECOND_FACTOR_NOT_ENROLLED',
  /** A passkey ceremony whose challenge is unknown, expired or used already: ask for new options. */
  'PASSKEY_CHALLENGE_INVALID',
  /** A passkey answer that does not verify: unknown credential, wrong origin or RP ID, bad signature, counter gone back, no user verification. */
  'PASSKEY_REFUSED',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/**
 * Each code's HTTP status and title: the one table the BFFs, the msw mocks
 * and the Python example follow. A code has one status (BAD_REQUEST, the
 * catch-all, may carry another 4xx).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  BAD_REQUEST: { status: 400, title: 'The request cannot be processed' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Send the request body as application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  INVALID_CREDENTIALS: { status: 401, title: 'Wrong username or password' },
  USERNAME_TAKEN: { status: 409, title: 'That username is taken' },
  UNAUTHENTICATED: { status: 401, title: 'You are not signed in' },
  SESSION_EXPIRED: { status: 401, title: 'Your session token has expired' },
  SESSION_ENDED: { status: 401, title: 'Your session has ended' },
  REFRESH_REUSED: { status: 401, title: 'This session was ended for your safety' },
  FORBIDDEN_ORIGIN: { status: 403, title: 'This request is not allowed from that origin' },
  ACCESS_DENIED: { status: 403, title: 'You may not open this page' },
  FORBIDDEN: { status: 403, title: 'Your account may not do this' },
  RATE_LIMITED: { status: 429, title: 'Too many attempts' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  LINK_INVALID: { status: 400, title: 'This link is not valid' },
  LINK_EXPIRED: { status: 410, title: 'This link has expired' },
  LINK_USED: { status: 410, title: 'This link was already used' },
  IDENTITY_UNAVAILABLE: { status: 503, title: 'The identity service cannot be reached' },
  STORE_UNAVAILABLE: { status: 503, title: 'Storage is unavailable' },
  INTERNAL: { status: 500, title: 'Something went wrong on our side' },
  INVALID_SECOND_FACTOR: { status: 401, title: 'That code is not valid' },
  SECOND_FACTOR_EXPIRED: { status: 401, title: 'Your sign-in took too long' },
  SECOND_FACTOR_CONFLICT: { status: 409, title: 'That second factor is not in that state' },
  EMAIL_ALREADY_VERIFIED: { status: 409, title: 'This email address is verified already' },
  // 401, as RFC 9470 answers insufficient_user_authentication: who you are is known, how recently is not enough.
  STEP_UP_REQUIRED: { status: 401, title: 'Confirm it is you with your second factor' },
  RECENT_AUTH_REQUIRED: { status: 401, title: 'Confirm it is you to continue' },
  SECOND_FACTOR_NOT_ENROLLED: { status: 409, title: 'No second factor is set up' },
  PASSKEY_CHALLENGE_INVALID: { status: 400, title: 'This passkey request has expired or was used already' },
  PASSKEY_REFUSED: { status: 401, title: 'That passkey was not accepted' },
} as const satisfies Record<ErrorCode, { status: number; title: string }>;

/** The problem `type` URI of a code: `https://sso.dev/problems/session-expired`. */
export function problemType(code: ErrorCode): string {
  return `https://sso.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** RFC 9457 problem details with this product's stable `code` member. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  code: ErrorCodeSchema,
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
  /** Field errors for VALIDATION_FAILED, keyed by dotted path. */
  errors: z.optional(z.record(z.string(), z.array(z.string()))),
  /** Where to send the browser to sign in (401 from a relying app). */
  loginUrl: z.optional(z.string()),
  /** Why the session is over (SESSION_ENDED, REFRESH_REUSED): the sign-in page says so. */
  reason: z.optional(SessionEndReasonSchema),
  /** Seconds until a throttled client may try again (429). */
  retryAfter: z.optional(z.int()),
  /** STEP_UP_REQUIRED: the identity app's step-up page (with `max_age` when bounded); add `returnTo`. */
  stepUpUrl: z.optional(z.string()),
  /** RECENT_AUTH_REQUIRED: the proofs that will do (`totp`, `recovery-code`, `passkey`). */
  methods: z.optional(z.array(z.string())),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem document for `code`, with the table's status and title. */
export function problemOf(code: ErrorCode, extra: Partial<Omit<Problem, 'type' | 'title' | 'code'>> = {}): Problem {
  const { status, title } = ERRORS[code];
  return { type: problemType(code), title, status, code, ...extra };
}

/** Field errors from zod issues, keyed by dotted path (`(body)` for the whole body): how every 400 VALIDATION_FAILED and every form names them. */
export function fieldErrorsOf(issues: readonly z.core.$ZodIssue[]): Record<string, string[]> {
  const errors: Record<string, string[]> = Object.create(null);
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || '(body)';
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}
