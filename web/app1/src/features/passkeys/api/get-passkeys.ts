import { useQuery } from '@tanstack/react-query';
import { PasskeyListSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/** GET /api/account/passkeys: the account's passkeys, oldest first (asked only from the account page). */
export function getPasskeys() {
  return apiRequest({ url: '/api/account/passkeys', schema: PasskeyListSchema });
}

export const PASSKEYS_QUERY_KEY = ['account', 'passkeys'] as const;

export const usePasskeys = () => useQuery({ queryKey: PASSKEYS_QUERY_KEY, queryFn: getPasskeys });
