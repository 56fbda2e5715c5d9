import { useMutation, useMutationState, useQueryClient } from '@tanstack/react-query';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';
import { sessionQueryOptions } from './get-session';

const logoutKey = ['logout'] as const;

/**
 * POST /api/logout (optionally every session of the user). Clearing the
 * cached session sends any signed-in page to /login by itself.
 */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: logoutKey,
    mutationFn: (variables: { everywhere?: boolean } = {}) => logout(config.identityOrigin, variables.everywhere),
    onSuccess: () => queryClient.setQueryData(sessionQueryOptions().queryKey, null),
  });
}

/** True after a sign-out in this tab (until the next sign-in), to say so on the sign-in page. */
export function useJustSignedOut(): boolean {
  return useMutationState({ filters: { mutationKey: logoutKey, status: 'success' } }).length > 0;
}

/** Forgets past sign-outs (called on sign-in). */
export function forgetSignOuts(queryClient: ReturnType<typeof useQueryClient>): void {
  const cache = queryClient.getMutationCache();
  for (const m of cache.findAll({ mutationKey: logoutKey })) cache.remove(m);
}
