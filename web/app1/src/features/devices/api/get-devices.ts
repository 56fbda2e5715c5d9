import { queryOptions, useQuery } from '@tanstack/react-query';
import { DeviceSessionsResponseSchema } from '@sso/types';
import { apiRequest, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

/** GET /api/account/sessions: the signed-in account's live sessions, this device first. */
export function getDevices() {
  return withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/account/sessions', schema: DeviceSessionsResponseSchema }));
}

export const devicesQueryOptions = () => queryOptions({ queryKey: ['account', 'sessions'], queryFn: getDevices });

export const useDevices = () => useQuery(devicesQueryOptions());
