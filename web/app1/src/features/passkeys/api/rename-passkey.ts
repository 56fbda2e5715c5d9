import { useMutation, useQueryClient } from '@tanstack/react-query';
import { PasskeyResponseSchema, type PasskeyRenameRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { PASSKEYS_QUERY_KEY } from './get-passkeys';

/** POST /api/account/passkeys/rename. */
export function renamePasskey(body: PasskeyRenameRequest) {
  return apiRequest({ url: '/api/account/passkeys/rename', json: body, schema: PasskeyResponseSchema });
}

export function useRenamePasskey() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: renamePasskey, onSettled: () => queryClient.invalidateQueries({ queryKey: PASSKEYS_QUERY_KEY }) });
}
