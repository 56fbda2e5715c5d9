import { useMutation, useQueryClient } from '@tanstack/react-query';
import { PasskeyListSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { PASSKEYS_QUERY_KEY } from './get-passkeys';

/** POST /api/account/passkeys/remove: answers the passkeys left. */
export function removePasskey(id: string) {
  return apiRequest({ url: '/api/account/passkeys/remove', json: { id }, schema: PasskeyListSchema });
}

export function useRemovePasskey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: removePasskey,
    onSuccess: (list) => queryClient.setQueryData(PASSKEYS_QUERY_KEY, list),
    onError: () => queryClient.invalidateQueries({ queryKey: PASSKEYS_QUERY_KEY }),
  });
}
