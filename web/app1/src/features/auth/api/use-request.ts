import { useState } from 'react';

type RequestState<T> = { status: 'idle' | 'pending'; data?: undefined; error?: undefined } | { status: 'success'; data: T; error?: undefined } | { status: 'error'; data?: undefined; error: unknown };

/**
 * One API call's state for the pages loaded on demand (forgot, reset). Not
 * react-query's useMutation: a further lazy chunk using it makes Rolldown
 * split app 1's entry into preloaded chunks, about 2 kB gzip over the first
 * page's budget (e2e/tests/bundle-budget.spec.ts). These calls are one-shot
 * and cache nothing, so nothing is lost.
 */
export function useRequest<A, T>(call: (args: A) => Promise<T>) {
  const [state, setState] = useState<RequestState<T>>({ status: 'idle' });
  return {
    ...state,
    isPending: state.status === 'pending',
    send(args: A, on: { onSuccess?: (data: T) => void; onError?: (err: unknown) => void } = {}) {
      setState({ status: 'pending' });
      call(args).then(
        (data) => {
          setState({ status: 'success', data });
          on.onSuccess?.(data);
        },
        (error: unknown) => {
          setState({ status: 'error', error });
          on.onError?.(error);
        },
      );
    },
  };
}
