import { useMutation, useQueryClient } from '@tanstack/react-query';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';

/** Signs out at the identity app (which revokes the session for every app) and forgets the local profile. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => logout(config.identityOrigin),
    onSuccess: () => queryClient.removeQueries(),
  });
}
