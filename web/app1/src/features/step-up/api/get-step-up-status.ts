import { useCallback, useEffect, useState } from 'react';
import { StepUpStatusSchema, type StepUpStatus } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/**
 * GET /api/session/step-up: which second factors the account has, and
 * whether the session already meets `max_age`. No renewal here: without a
 * valid token the page reloads, and BFF 1's GET /login/step-up renews (or
 * shows the sign-in form) before the SPA runs.
 */
export function getStepUpStatus(query: { returnTo?: string | undefined; maxAge?: string | undefined }) {
  const params = new URLSearchParams();
  if (query.returnTo) params.set('returnTo', query.returnTo);
  if (query.maxAge) params.set('max_age', query.maxAge);
  return apiRequest({ url: `/api/session/step-up?${params}`, schema: StepUpStatusSchema });
}

type StatusState = { isPending: true; isError: false; data?: undefined; error?: undefined } | { isPending: false; isError: false; data: StepUpStatus; error?: undefined } | { isPending: false; isError: true; data?: undefined; error: unknown };

/**
 * The status, asked once per page view. Not react-query: the step-up chunk
 * using it (or useMutation) makes Rolldown split app 1's entry into one more
 * preloaded chunk, +1.2 kB gzip over the first page's budget (see
 * features/auth/api/use-request.ts). Never cached: a sign-in or a step-up
 * changes the answer.
 */
export function useStepUpStatus(query: { returnTo?: string | undefined; maxAge?: string | undefined }) {
  const [state, setState] = useState<StatusState>({ isPending: true, isError: false });
  const [attempt, setAttempt] = useState(0);
  const { returnTo, maxAge } = query;
  useEffect(() => {
    let live = true;
    getStepUpStatus({ returnTo, maxAge }).then(
      (data) => live && setState({ isPending: false, isError: false, data }),
      (error: unknown) => live && setState({ isPending: false, isError: true, error }),
    );
    return () => {
      live = false;
    };
  }, [returnTo, maxAge, attempt]);
  const refetch = useCallback(() => {
    setState({ isPending: true, isError: false });
    setAttempt((n) => n + 1);
  }, []);
  return { ...state, refetch };
}
