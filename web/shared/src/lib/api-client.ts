import { z } from 'zod/mini';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@sso/types';
import { ApiError } from './api-error';

export interface ApiRequest<S extends z.core.$ZodType> {
  /** Same-origin path (`/api/me`) or an absolute URL on the identity app. */
  url: string;
  method?: 'GET' | 'POST';
  json?: unknown;
  /** Validates the success body; the mocks and the BFFs share these schemas. */
  schema: S;
  signal?: AbortSignal;
}

/**
 * The one way the SPAs call an API. Cookies go along (`credentials:
 * 'include'`, for the identity app's cross-origin refresh and sign-out);
 * failures become a typed ApiError from the RFC 9457 problem document.
 */
export async function apiRequest<S extends z.core.$ZodType>(req: ApiRequest<S>): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(new URL(req.url, window.location.href), {
      method: req.method ?? (req.json === undefined ? 'GET' : 'POST'),
      credentials: 'include',
      headers: {
        accept: `application/json, ${PROBLEM_CONTENT_TYPE}`,
        ...(req.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: req.json === undefined ? undefined : JSON.stringify(req.json),
      signal: req.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', null);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const problem = ProblemSchema.safeParse(body);
    if (problem.success) throw new ApiError(res.status, problem.data.code, problem.data);
    throw new ApiError(res.status, res.status === 429 ? 'RATE_LIMITED' : 'BAD_RESPONSE', null);
  }
  const parsed = z.safeParse(req.schema, body);
  if (!parsed.success) throw new ApiError(res.status, 'BAD_RESPONSE', null);
  return parsed.data;
}
