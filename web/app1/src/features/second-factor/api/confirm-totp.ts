import { useMutation, useQueryClient } from '@tanstack/react-query';
import { RecoveryCodesResponseSchema, type TotpConfirmRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { secondFactorStatusQueryOptions } from './get-second-factor-status';

/** POST /api/account/totp/confirm: the first code turns TOTP on; answers the recovery codes, once. */
export const confirmTotp = (body: TotpConfirmRequest) => apiRequest({ url: '/api/account/totp/confirm', json: body, schema: RecoveryCodesResponseSchema });

export function useConfirmTotp() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: confirmTotp, onSuccess: () => queryClient.invalidateQueries({ queryKey: secondFactorStatusQueryOptions().queryKey }) });
}
