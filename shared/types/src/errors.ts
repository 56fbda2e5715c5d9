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
  'RATE_LIMITED',
  'NOT_FOUND',
  'IDENTITY_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

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
});
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
