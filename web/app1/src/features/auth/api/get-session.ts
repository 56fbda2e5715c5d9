import { queryOptions, useQuery } from '@tanstack/react-query';
import { SessionResponseSchema, type SessionResponse } from '@sso/types';
import { apiRequest, isApiError, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/** GET /api/session, refreshing once on SESSION_EXPIRED; `null` means signed out. */
export async function getSession(): Promise<SessionResponse | null> {
  try {
    return await withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/session', schema: SessionResponseSchema }));
  } catch (err) {
    if (isApiError(err, 'UNAUTHENTICATED') || isApiError(err, 'SESSION_EXPIRED') || isApiError(err, 'REFRESH_REUSED')) return null;
    throw err;
  }
}

export const sessionQueryOptions = () => queryOptions({ queryKey: ['session'], queryFn: getSession });

export const useSession = () => useQuery(sessionQueryOptions());
