import { useMutation } from '@tanstack/react-query';
import { ChangePasswordResponseSchema, type ChangePasswordRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/account/password: new password; every other session is signed out. */
export function changePassword(body: ChangePasswordRequest) {
  return apiRequest({ url: '/api/account/password', json: body, schema: ChangePasswordResponseSchema });
}

export const useChangePassword = () => useMutation({ mutationFn: changePassword });
