import { useMutation } from '@tanstack/react-query';
import { TotpSetupResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** POST /api/account/totp/setup: a new secret, shown once, to be confirmed with a code. */
export const setupTotp = () => apiRequest({ url: '/api/account/totp/setup', json: {}, schema: TotpSetupResponseSchema });

export const useSetupTotp = () => useMutation({ mutationFn: setupTotp });
