import { PasskeyOptionsResponseSchema, StepUpResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/**
 * Step-up with a passkey (ADR 032, 033): BFF 1's options allow only the
 * account's passkeys, with a challenge bound to this session; the browser
 * asks for one (the library loads here, on click, never before); BFF 1
 * checks the answer and marks the session. Resolves to `{ redirectTo }`.
 */
export async function stepUpWithPasskey(returnTo: string | undefined) {
  const { options } = await apiRequest({ url: '/api/session/step-up/passkey/options', json: {}, schema: PasskeyOptionsResponseSchema });
  const { startAuthentication } = await import('../../passkeys/api/webauthn');
  const credential = await startAuthentication({ optionsJSON: options as never });
  return apiRequest({ url: '/api/session/step-up/passkey', json: { credential, returnTo }, schema: StepUpResponseSchema });
}
