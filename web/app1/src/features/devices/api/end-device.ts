import { useMutation, useQueryClient } from '@tanstack/react-query';
import { EndSessionsResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { DEVICES_QUERY_KEY } from './get-devices';

/** POST /api/account/sessions/end: signs out one other device. */
export function endDevice(id: string) {
  return apiRequest({ url: '/api/account/sessions/end', json: { id }, schema: EndSessionsResponseSchema });
}

/** POST /api/account/sessions/end-others: signs out every device but this one. */
export function endOtherDevices() {
  return apiRequest({ url: '/api/account/sessions/end-others', json: {}, schema: EndSessionsResponseSchema });
}

/** Either of the above; the list is fetched again afterwards, whatever the outcome (a 404 means that device was already gone). */
export function useEndDevices() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (target: { id: string } | { allOthers: true }) => ('id' in target ? endDevice(target.id) : endOtherDevices()),
    onSettled: () => queryClient.invalidateQueries({ queryKey: DEVICES_QUERY_KEY }),
  });
}
