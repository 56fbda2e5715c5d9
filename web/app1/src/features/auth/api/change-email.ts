import { useMutation, useQueryClient } from '@tanstack/react-query';
import { EmailStatusSchema, type ChangeEmailRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { emailStatusQueryOptions } from './get-email-status';

/** POST /api/account/email: a confirmation link to the new address, a notice to the old; nothing changes until the link is used. */
export function changeEmail(body: ChangeEmailRequest) {
  return apiRequest({ url: '/api/account/email', json: body, schema: EmailStatusSchema });
}

export function useChangeEmail() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: changeEmail, onSuccess: (status) => queryClient.setQueryData(emailStatusQueryOptions().queryKey, status) });
}
