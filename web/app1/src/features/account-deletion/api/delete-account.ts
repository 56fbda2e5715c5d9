import { useMutation } from '@tanstack/react-query';
import { DeleteAccountResponseSchema, type DeleteAccountRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/account/delete: the password again (and a code with two-step sign-in); every session ends. */
export function deleteAccount(body: DeleteAccountRequest) {
  return apiRequest({ url: '/api/account/delete', json: body, schema: DeleteAccountResponseSchema });
}

export const useDeleteAccount = () => useMutation({ mutationFn: deleteAccount });
