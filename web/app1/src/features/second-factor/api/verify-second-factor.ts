import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoginResponseSchema, type SecondFactorLoginRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { sessionQueryOptions } from '../../auth/api/get-session';

/** POST /api/login/second-factor: the TOTP or recovery code that finishes a pending sign-in. */
export function verifySecondFactor(body: SecondFactorLoginRequest) {
  return apiRequest({ url: '/api/login/second-factor', json: body, schema: LoginResponseSchema });
}

export function useVerifySecondFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: verifySecondFactor,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionQueryOptions().queryKey }),
  });
}
