import { useQuery } from '@tanstack/react-query';
import { SecondFactorChallengeSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** GET /api/login/second-factor: the pending sign-in's methods (a passkey, when the account has one). */
export const usePendingSignIn = () =>
  useQuery({
    queryKey: ['login', 'second-factor'],
    queryFn: () => apiRequest({ url: '/api/login/second-factor', schema: SecondFactorChallengeSchema }),
    retry: false,
    staleTime: Infinity,
  });
