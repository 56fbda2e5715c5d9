import { useCallback } from 'react';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { SessionResponseSchema, type SessionEndReason, type SessionResponse } from '@sso/types';
import { apiRequest, isSignedOutError, sessionEndReason, useSessionKeepAlive, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

let lastEnd: SessionEndReason | null = null;

/**
 * GET /api/session. Without a valid token it renews first (the refresh
 * cookie outlives the token), so a live session never looks signed out.
 * `null` means signed out; `sessionEndedBecause()` then says why, if known.
 */
export async function getSession(): Promise<SessionResponse | null> {
  try {
    const session = await withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/session', schema: SessionResponseSchema }));
    lastEnd = null;
    return session;
  } catch (err) {
    if (isSignedOutError(err)) {
      lastEnd = sessionEndReason(err);
      return null;
    }
    throw err;
  }
}

/** Why the last session check found the session over (idle, signed out elsewhere, ...), or null. */
export function sessionEndedBecause(): SessionEndReason | null {
  return lastEnd;
}

export const sessionQueryOptions = () => queryOptions({ queryKey: ['session'], queryFn: getSession });

export const useSession = () => useQuery(sessionQueryOptions());

/** Keeps an open tab of app 1 signed in: renews before the token expires, notices when the session ends. */
export function useKeepSessionAlive(session: SessionResponse | null | undefined): void {
  const queryClient = useQueryClient();
  const key = sessionQueryOptions().queryKey;
  const onRenewed = useCallback(
    (tokenExpiresAt: string) =>
      queryClient.setQueryData(key, (old: SessionResponse | null | undefined) => (old ? { ...old, session: { ...old.session, tokenExpiresAt } } : old)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [queryClient],
  );
  const onEnded = useCallback(
    (err: unknown) => {
      lastEnd = sessionEndReason(err);
      queryClient.setQueryData(key, null);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [queryClient],
  );
  useSessionKeepAlive({ identityOrigin: config.identityOrigin, tokenExpiresAt: session?.session.tokenExpiresAt, onRenewed, onEnded });
}
