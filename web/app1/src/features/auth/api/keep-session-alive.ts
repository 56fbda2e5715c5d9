import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { SignedInSession } from '@sso/types';
import { sessionEndReason, useSessionKeepAlive } from '@sso/web-shared';
import { config } from '../../../config/env';
import { noteSessionEnded, sessionQueryOptions } from './get-session';

/** Keeps an open tab of app 1 signed in: renews before the token expires, notices when the session ends. */
export function useKeepSessionAlive(session: SignedInSession | null | undefined): void {
  const queryClient = useQueryClient();
  const key = sessionQueryOptions().queryKey;
  const onRenewed = useCallback(
    (tokenExpiresAt: string) =>
      queryClient.setQueryData(key, (old: SignedInSession | null | undefined) => (old ? { ...old, session: { ...old.session, tokenExpiresAt } } : old)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [queryClient],
  );
  const onEnded = useCallback(
    (err: unknown) => {
      noteSessionEnded(sessionEndReason(err));
      queryClient.setQueryData(key, null);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [queryClient],
  );
  useSessionKeepAlive({ identityOrigin: config.identityOrigin, tokenExpiresAt: session?.session.tokenExpiresAt, onRenewed, onEnded });
}
