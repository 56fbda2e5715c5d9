import { useMutation, useQueryClient } from '@tanstack/react-query';
import { SecondFactorStatusSchema, type SecondFactorProofRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { secondFactorStatusQueryOptions } from './get-second-factor-status';

/** POST /api/account/totp/disable: takes a current code (or a recovery code). */
export const disableTotp = (body: SecondFactorProofRequest) => apiRequest({ url: '/api/account/totp/disable', json: body, schema: SecondFactorStatusSchema });

export function useDisableTotp() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: disableTotp, onSuccess: (status) => queryClient.setQueryData(secondFactorStatusQueryOptions().queryKey, status) });
}
