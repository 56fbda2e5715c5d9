import { LoginResponseSchema, PasskeyOptionsResponseSchema } from '@sso/types';
import { apiRequest } from '@sso/web-shared';

/**
 * The second factor after a password: BFF 1's options allow only the
 * account's passkeys (challenge bound to the pending sign-in); the browser
 * asks for one; BFF 1 checks the answer and starts the session. Resolves to
 * `{ user, redirectTo }`.
 */
export async function finishWithPasskey(returnTo: string | undefined) {
  const { options } = await apiRequest({ url: '/api/login/second-factor/passkey/options', json: {}, schema: PasskeyOptionsResponseSchema });
  const { startAuthentication } = await import('./webauthn');
  const credential = await startAuthentication({ optionsJSON: options as never });
  return apiRequest({ url: '/api/login/second-factor/passkey', json: { credential, returnTo }, schema: LoginResponseSchema });
}
