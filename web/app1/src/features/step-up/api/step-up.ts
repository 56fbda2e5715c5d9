import { useState } from 'react';
import { StepUpResponseSchema, type StepUpRequest, type StepUpResponse } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/session/step-up: the second factor again (never the password), for the live session. */
export function stepUp(body: StepUpRequest) {
  return apiRequest({ url: '/api/session/step-up', json: body, schema: StepUpResponseSchema });
}

/**
 * The step-up call's state. Not react-query's useMutation: one more lazy
 * chunk using it makes Rolldown split app 1's entry into a further
 * preloaded chunk (+1.2 kB gzip over the first page's budget; see
 * features/auth/api/use-request.ts). One-shot, nothing to cache; the page
 * that asked reloads or retries what it was doing.
 */
export function useStepUp() {
  const [isPending, setPending] = useState(false);
  return {
    isPending,
    mutate(body: StepUpRequest, on: { onSuccess: (res: StepUpResponse) => void; onError: (err: unknown) => void }) {
      setPending(true);
      stepUp(body).then(
        (res) => {
          setPending(false);
          on.onSuccess(res);
        },
        (err: unknown) => {
          setPending(false);
          on.onError(err);
        },
      );
    },
  };
}
