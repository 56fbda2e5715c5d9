import { useMutation, useQueryClient } from '@tanstack/react-query';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';
import { sessionQueryOptions } from './get-session';

/** POST /api/logout (optionally every session of the user); clears the cached session. */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (options: { everywhere?: boolean } = {}) => logout(config.identityOrigin, options.everywhere),
    onSuccess: () => queryClient.setQueryData(sessionQueryOptions().queryKey, null),
  });
}
