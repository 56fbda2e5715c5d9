import type { Response } from 'express';
import { PROBLEM_CONTENT_TYPE, type ErrorCode, type Problem } from '@sso/types';

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  BAD_REQUEST: 'The request cannot be processed',
  MALFORMED_JSON: 'The request body is not valid JSON',
  UNSUPPORTED_MEDIA_TYPE: 'Send the request body as application/json',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  INVALID_CREDENTIALS: 'Wrong username or password',
  USERNAME_TAKEN: 'That username is taken',
  UNAUTHENTICATED: 'You are not signed in',
  SESSION_EXPIRED: 'Your session token has expired',
  SESSION_ENDED: 'Your session has ended',
  REFRESH_REUSED: 'This session was ended for your safety',
  FORBIDDEN_ORIGIN: 'This request is not allowed from that origin',
  RATE_LIMITED: 'Too many attempts',
  NOT_FOUND: 'Not found',
  IDENTITY_UNAVAILABLE: 'The identity service cannot be reached',
  STORE_UNAVAILABLE: 'Storage is unavailable',
  INTERNAL: 'Something went wrong on our side',
};

/** The one HTTP error type of both BFFs: a status, a stable code, safe details. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: Partial<Pick<Problem, 'errors' | 'loginUrl' | 'retryAfter' | 'reason'>> = {},
  ) {
    super(detail ?? TITLES[code]);
  }
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(res: Response, error: HttpError): void {
  const problem: Problem = {
    type: `https://sso.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...error.extra,
  };
  if (error.extra.retryAfter !== undefined) res.setHeader('Retry-After', String(error.extra.retryAfter));
  res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
