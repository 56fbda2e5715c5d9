import { useState } from 'react';
import { LoginOutcomeSchema, PasskeyOptionsResponseSchema } from '@sso/types';
import { Alert, apiRequest } from '@sso/web-shared';

/**
 * "Use a passkey" on the sign-in page, with no username: BFF 1's
 * options (a challenge bound to this browser by a host-only cookie), the
 * browser offers the person's passkeys for app 1 (user verification
 * required), BFF 1 checks the answer and starts the session. The sign-in
 * page is the first page, with a bundle budget: @simplewebauthn/browser and
 * the error sentences load when they are needed, and nothing else here is
 * a module the lazy chunks share (that would split the first page).
 * `finish` follows the server-validated redirect.
 */
export function PasskeySignIn({ returnTo, finish }: { returnTo: string | undefined; finish: (redirectTo: string) => Promise<void> }) {
  const [state, setState] = useState<{ pending?: boolean; error?: string }>({});
  // Its label is not "Sign in with a passkey": pages and tests find the form's button by the name "Sign in".
  return (
    <div className="passkey-sign-in">
      <p className="passkey-sign-in__or">or, with no username or password</p>
      <button
        className="button button--secondary"
        type="button"
        disabled={state.pending}
        onClick={async () => {
          setState({ pending: true });
          let webauthn;
          try {
            webauthn = await import('../api/webauthn');
            const { options } = await apiRequest({ url: '/api/login/passkey/options', json: {}, schema: PasskeyOptionsResponseSchema });
            const credential = await webauthn.startAuthentication({ optionsJSON: options as never });
            const res = await apiRequest({ url: '/api/login/passkey', json: { credential, returnTo }, schema: LoginOutcomeSchema });
            return await finish(res.redirectTo!);
          } catch (err) {
            setState({ error: webauthn?.describePasskeyError(err) ?? 'The passkey could not be used. Try again.' });
          }
        }}
      >
        {state.pending ? 'Waiting for your passkey…' : 'Use a passkey'}
      </button>
      {/* Only when there is one: the form above has the page's live region. */}
      {state.error ? <Alert>{state.error}</Alert> : null}
    </div>
  );
}
