import { queryOptions, useQuery } from '@tanstack/react-query';
import { SecurityResponseSchema } from '@sso/types';
import { apiRequest, isApiError, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/**
 * GET /api/security: needs a second factor proved recently. Without a valid
 * token it renews at app 1 and retries once; STEP_UP_REQUIRED is not
 * renewable (the token is fine, the authentication is not enough).
 */
export function getSecurity() {
  return withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/security', schema: SecurityResponseSchema }));
}

export const securityQueryOptions = () => queryOptions({ queryKey: ['security'], queryFn: getSecurity, staleTime: 0 });

export const useSecurity = () => useQuery(securityQueryOptions());

/** App 1's step-up page for `err` (STEP_UP_REQUIRED), coming back to `returnTo`; null for any other error. */
export function stepUpUrlOf(err: unknown, returnTo: string): string | null {
  if (!isApiError(err, 'STEP_UP_REQUIRED')) return null;
  const url = new URL(err.problem?.stepUpUrl ?? '/login/step-up', config.identityOrigin);
  // Only ever the identity app: a problem document names no other place to send the browser.
  if (url.origin !== new URL(config.identityOrigin).origin) return null;
  url.searchParams.set('returnTo', returnTo);
  return url.href;
}
