import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';
import { meQueryOptions } from './get-me';

/**
 * POST {identity}/api/logout: signs out at the identity app (which revokes
 * the session for every app), forgets the local profile and shows the
 * signed-out page. Hook-level callbacks: they run even if the button's page
 * unmounts meanwhile.
 */
export function useLogout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => logout(config.identityOrigin),
    onSuccess: async () => {
      await navigate('/signed-out', { replace: true });
      // Back to "unknown": the header asks again and, signed out, shows no one.
      await queryClient.resetQueries({ queryKey: meQueryOptions().queryKey });
    },
  });
}
