import type { ErrorCode, Problem } from '@sso/types';

/** A failed API call, carrying the server's problem document and its stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR' | 'BAD_RESPONSE',
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? problem?.title ?? code);
  }

  /** Field errors from a VALIDATION_FAILED or USERNAME_TAKEN answer. */
  get fieldErrors(): Record<string, string[]> {
    return this.problem?.errors ?? {};
  }
}

export function isApiError(err: unknown, code?: ApiError['code']): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}
