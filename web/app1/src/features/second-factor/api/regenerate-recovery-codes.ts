import { useMutation, useQueryClient } from '@tanstack/react-query';
import { RecoveryCodesResponseSchema, type SecondFactorProofRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { secondFactorStatusQueryOptions } from './get-second-factor-status';

/** POST /api/account/recovery-codes: ten new codes for a current TOTP code; the old ones stop working. */
export const regenerateRecoveryCodes = (body: SecondFactorProofRequest) =>
  apiRequest({ url: '/api/account/recovery-codes', json: body, schema: RecoveryCodesResponseSchema });

export function useRegenerateRecoveryCodes() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: regenerateRecoveryCodes, onSuccess: () => queryClient.invalidateQueries({ queryKey: secondFactorStatusQueryOptions().queryKey }) });
}
