import { useMutation, useQueryClient } from '@tanstack/react-query';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';
import { sessionQueryOptions } from './get-session';

/** Set in the query cache by a sign-out, so the sign-in page can say so. */
const signedOutKey = ['signed-out'] as const;

/**
 * POST /api/logout (optionally every session of the user). Clearing the
 * cached session sends any signed-in page to /login by itself.
 */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (variables: { everywhere?: boolean } = {}) => logout(config.identityOrigin, variables.everywhere),
    onSuccess: () => {
      queryClient.setQueryData(signedOutKey, true);
      queryClient.setQueryData(sessionQueryOptions().queryKey, null);
    },
  });
}

/** True after a sign-out in this tab (until the next sign-in), to say so on the sign-in page. */
export function useJustSignedOut(): boolean {
  return useQueryClient().getQueryData(signedOutKey) === true;
}

/** Forgets past sign-outs (called on sign-in). */
export function forgetSignOuts(queryClient: ReturnType<typeof useQueryClient>): void {
  queryClient.removeQueries({ queryKey: signedOutKey });
}
