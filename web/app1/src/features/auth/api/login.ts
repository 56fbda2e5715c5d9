import { useQueryClient } from '@tanstack/react-query';
import { LoginOutcomeSchema, type LoginRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { sessionQueryOptions } from './get-session';
import { useRequest } from './use-request';

/** POST /api/login: sets the cookies and answers the user and where to go next, or says a second factor is due. */
export function login(body: LoginRequest) {
  return apiRequest({ url: '/api/login', json: body, schema: LoginOutcomeSchema });
}

/** The sign-in form's call (first page: useRequest, not useMutation; ADR 031). */
export function useLogin() {
  const queryClient = useQueryClient();
  return useRequest(login, {
    onSuccess: (res) => (res.secondFactor ? undefined : queryClient.invalidateQueries({ queryKey: sessionQueryOptions().queryKey })),
  });
}
