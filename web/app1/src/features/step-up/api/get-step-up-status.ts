import { queryOptions, useQuery } from '@tanstack/react-query';
import { StepUpStatusSchema } from '@sso/types';
import { apiRequest, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/** GET /api/session/step-up: which second factors the account has, and whether the session already meets `max_age`. */
export function getStepUpStatus(query: { returnTo?: string | undefined; maxAge?: string | undefined }) {
  const params = new URLSearchParams();
  if (query.returnTo) params.set('returnTo', query.returnTo);
  if (query.maxAge) params.set('max_age', query.maxAge);
  return withSessionRefresh(config.identityOrigin, () => apiRequest({ url: `/api/session/step-up?${params}`, schema: StepUpStatusSchema }));
}

// Never from the cache: a sign-in or a step-up changes the answer.
export const stepUpStatusQueryOptions = (query: { returnTo?: string | undefined; maxAge?: string | undefined }) =>
  queryOptions({ queryKey: ['step-up', query.returnTo ?? null, query.maxAge ?? null], queryFn: () => getStepUpStatus(query), staleTime: 0, gcTime: 0 });

export const useStepUpStatus = (query: { returnTo?: string | undefined; maxAge?: string | undefined }) => useQuery(stepUpStatusQueryOptions(query));
