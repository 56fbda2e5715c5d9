import { useMutation, useQueryClient } from '@tanstack/react-query';
import { PasskeyOptionsResponseSchema, PasskeyResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';
import { PASSKEYS_QUERY_KEY } from './get-passkeys';

/**
 * Registers a passkey named `name`: options from BFF 1 (a challenge bound to
 * this session), the browser's create() through @simplewebauthn/browser
 * (loaded only now), then the answer back to BFF 1.
 */
export async function addPasskey(name: string) {
  const { options } = await apiRequest({ url: '/api/account/passkeys/options', json: {}, schema: PasskeyOptionsResponseSchema });
  const { startRegistration } = await import('./webauthn');
  const credential = await startRegistration({ optionsJSON: options as never });
  return apiRequest({ url: '/api/account/passkeys', json: { name, credential }, schema: PasskeyResponseSchema });
}

export function useAddPasskey() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: addPasskey, onSettled: () => queryClient.invalidateQueries({ queryKey: PASSKEYS_QUERY_KEY }) });
}
