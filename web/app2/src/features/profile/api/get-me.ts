import { queryOptions, useQuery } from '@tanstack/react-query';
import { MeResponseSchema } from '@sso/types';
import { apiRequest, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/** GET /api/me: the local (JIT-provisioned) user; on SESSION_EXPIRED, refresh at app 1 and retry once. */
export function getMe() {
  return withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/me', schema: MeResponseSchema }));
}

export const meQueryOptions = () => queryOptions({ queryKey: ['me'], queryFn: getMe });

export const useMe = () => useQuery(meQueryOptions());
