import { useMutation, useQueryClient } from '@tanstack/react-query';
import { SignupResponseSchema, type SignupRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { sessionQueryOptions } from './get-session';

/** POST /api/signup: creates the account and signs it in. */
export function signup(body: SignupRequest) {
  return apiRequest({ url: '/api/signup', json: body, schema: SignupResponseSchema });
}

export function useSignup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionQueryOptions().queryKey }),
  });
}
