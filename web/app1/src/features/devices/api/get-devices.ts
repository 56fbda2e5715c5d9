import { useQuery } from '@tanstack/react-query';
import { DeviceSessionsResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/**
 * GET /api/account/sessions: the signed-in account's live sessions, this
 * device first. Asked only from the account page, which shows once the
 * session check (with its renewal) succeeded, and whose keep-alive renews
 * before the token expires: no renewal of its own here. (Each helper shared
 * with the first page costs that page an export; it has a budget.)
 */
export function getDevices() {
  return apiRequest({ url: '/api/account/sessions', schema: DeviceSessionsResponseSchema });
}

export const DEVICES_QUERY_KEY = ['account', 'sessions'] as const;

export const useDevices = () => useQuery({ queryKey: DEVICES_QUERY_KEY, queryFn: getDevices });
