import { useMutation, useQueryClient } from '@tanstack/react-query';
import { StepUpResponseSchema, type StepUpRequest } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/session/step-up: the second factor again (never the password), for the live session. */
export function stepUp(body: StepUpRequest) {
  return apiRequest({ url: '/api/session/step-up', json: body, schema: StepUpResponseSchema });
}

export function useStepUp() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: stepUp, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['session'] }) });
}
