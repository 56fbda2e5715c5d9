import { useCallback } from 'react';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { MeResponseSchema, type MeResponse } from '@sso/types';
import { apiRequest, useSessionKeepAlive, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/** GET /api/me: the local (JIT-provisioned) user; without a valid token, renew at app 1 and retry once. */
export function getMe() {
  return withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/me', schema: MeResponseSchema }));
}

export const meQueryOptions = () => queryOptions({ queryKey: ['me'], queryFn: getMe });

/**
 * How often an open tab that shows the profile asks /api/me again while it
 * is visible (react-query pauses the interval in a hidden tab). A session
 * ended elsewhere (another device, an operator) shows here within this plus
 * BFF 2's revocation-feed poll: the next answer is a 401, renewal at app 1
 * fails with the reason, and the tab goes to the sign-in page (ADR 024).
 */
export const SESSION_CHECK_MS = 1000;

export const useMe = () => useQuery({ ...meQueryOptions(), refetchInterval: (query) => (query.state.status === 'success' ? SESSION_CHECK_MS : false) });

/**
 * Keeps an open tab of app 2 signed in: renews at app 1 before the token
 * expires. When the session ends, `/api/me` is asked again, which fails and
 * sends the browser to app 1's sign-in with the reason.
 */
export function useKeepSessionAlive(me: MeResponse | undefined): void {
  const queryClient = useQueryClient();
  const onRenewed = useCallback(
    (tokenExpiresAt: string) => queryClient.setQueryData(meQueryOptions().queryKey, (old: MeResponse | undefined) => (old ? { ...old, tokenExpiresAt } : old)),
    [queryClient],
  );
  const onEnded = useCallback(
    (err: unknown) => {
      queryClient.setQueryData(meQueryOptions().queryKey, undefined);
      queryClient.getQueryCache().find({ queryKey: meQueryOptions().queryKey })?.setState({ status: 'error', error: err as never, fetchStatus: 'idle' });
    },
    [queryClient],
  );
  useSessionKeepAlive({ identityOrigin: config.identityOrigin, tokenExpiresAt: me?.tokenExpiresAt, onRenewed, onEnded });
}
