import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoginOutcomeSchema, type LoginRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { sessionQueryOptions } from './get-session';

/** POST /api/login: sets the cookies and answers the user and where to go next, or says a second factor is due. */
export function login(body: LoginRequest) {
  return apiRequest({ url: '/api/login', json: body, schema: LoginOutcomeSchema });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (res) => (res.secondFactor ? undefined : queryClient.invalidateQueries({ queryKey: sessionQueryOptions().queryKey })),
  });
}
