import type { Response } from 'express';
import { sessionProblem, type SessionErrorCode } from '@sso/session';
import { ERRORS, PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode, type Problem } from '@sso/types';

/** What an HttpError may add to its problem document. */
export type ProblemExtra = Partial<Pick<Problem, 'errors' | 'loginUrl' | 'retryAfter' | 'reason' | 'stepUpUrl' | 'methods'>>;

/**
 * The one HTTP error type of both BFFs: a stable code (its status and title
 * come from `ERRORS` in @sso/types), safe details. Only the catch-all
 * BAD_REQUEST may name another 4xx status (416, 412, ...).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: ProblemExtra = {},
    status?: number,
  ) {
    super(detail ?? ERRORS[code].title);
    this.status = code === 'BAD_REQUEST' && status !== undefined ? status : ERRORS[code].status;
  }
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(res: Response, error: HttpError): void {
  const problem = problemOf(error.code, { status: error.status, ...(error.detail ? { detail: error.detail } : {}), ...error.extra });
  if (error.extra.retryAfter !== undefined) res.setHeader('Retry-After', String(error.extra.retryAfter));
  res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/**
 * The answer to a session failure (no token, expired, revoked, keys
 * unreachable, ...): the kit's one exhaustive mapping, as an HttpError, for
 * both BFFs. `loginUrl` tells a client where to renew.
 */
export function sessionHttpError(code: SessionErrorCode, loginUrl: string, stepUpUrl?: string): HttpError {
  const p = sessionProblem(code, loginUrl, stepUpUrl);
  return new HttpError(p.code, p.detail, { ...(p.loginUrl ? { loginUrl: p.loginUrl } : {}), ...(p.stepUpUrl ? { stepUpUrl: p.stepUpUrl } : {}) });
}
