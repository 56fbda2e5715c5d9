import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoginResponseSchema, type LoginRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { sessionQueryOptions } from './get-session';

/** POST /api/login: sets the cookies; answers the user and where to go next. */
export function login(body: LoginRequest) {
  return apiRequest({ url: '/api/login', json: body, schema: LoginResponseSchema });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionQueryOptions().queryKey }),
  });
}
