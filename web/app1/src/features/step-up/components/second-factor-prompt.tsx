import { useState } from 'react';
import { StepUpRequestSchema, type StepUpResponse } from '@sso/types';
import { Alert, CodeField, useForm } from '@sso/web-shared';
import { describePasskeyError } from '../../passkeys/api/passkey-errors';
import { useStepUp } from '../api/step-up';
import { stepUpWithPasskey } from '../api/step-up-with-passkey';

/**
 * Asks for the second factor only (a passkey, a code from the authenticator
 * app, or a recovery code: what `methods` lists) and proves it for the live
 * session: the step-up page and the account page's "confirm it's you"
 * prompt both use it. An account with passkeys but no authenticator app
 * gets the passkey button alone.
 */
export function SecondFactorPrompt({ methods, returnTo, submitLabel, onDone }: { methods: readonly string[]; returnTo?: string | undefined; submitLabel: string; onDone: (res: StepUpResponse) => void }) {
  const passkey = methods.includes('passkey') ? <PasskeyStepUp returnTo={returnTo} onDone={onDone} alone={!methods.includes('totp')} /> : null;
  if (!methods.includes('totp')) return passkey;
  return (
    <>
      {passkey}
      <CodeStepUp methods={methods} returnTo={returnTo} submitLabel={submitLabel} onDone={onDone} />
    </>
  );
}

/** "Use a passkey": its own small state (no react-query in this chunk, see ../api/step-up.ts). */
function PasskeyStepUp({ returnTo, onDone, alone }: { returnTo: string | undefined; onDone: (res: StepUpResponse) => void; alone: boolean }) {
  const [state, setState] = useState<{ pending: boolean; error: unknown }>({ pending: false, error: null });
  const use = () => {
    setState({ pending: true, error: null });
    stepUpWithPasskey(returnTo).then(
      (res) => {
        setState({ pending: false, error: null });
        onDone(res);
      },
      (error: unknown) => setState({ pending: false, error }),
    );
  };
  return (
    <div className="passkey-second-factor">
      {/* With a code form below, that form has the live region; alone, this one does. */}
      {alone || state.error ? <Alert>{state.error ? describePasskeyError(state.error) : null}</Alert> : null}
      {alone ? <p style={{ marginTop: 0 }}>Use the passkey you saved for this account (your fingerprint, face or screen lock).</p> : null}
      <button className="button" type="button" disabled={state.pending} onClick={use}>
        {state.pending ? 'Waiting for your passkey…' : 'Use a passkey'}
      </button>
      {alone ? null : <p className="passkey-second-factor__or">or enter a code</p>}
    </div>
  );
}

function CodeStepUp({ methods, returnTo, submitLabel, onDone }: { methods: readonly string[]; returnTo: string | undefined; submitLabel: string; onDone: (res: StepUpResponse) => void }) {
  const [recovery, setRecovery] = useState(false);
  const form = useForm(StepUpRequestSchema, {
    messages: {
      INVALID_SECOND_FACTOR: 'That code is not valid, or it was used already. Check your app and try again.',
      // Turned off meanwhile (another tab, another device).
      SECOND_FACTOR_NOT_ENROLLED: 'Two-step sign-in is no longer set up on this account. Set it up again on your account page.',
      UNAUTHENTICATED: 'Your session has ended. Sign in again.',
    },
  });
  const stepUp = useStepUp();
  const canUseRecovery = methods.includes('recovery-code');
  return (
    <form ref={form.formRef} noValidate onSubmit={form.onSubmit((values) => stepUp.mutate({ ...values, returnTo }, { onSuccess: onDone, onError: form.showServerError }))}>
      <Alert>{form.formError}</Alert>
      <CodeField key={recovery ? 'recovery' : 'totp'} recovery={recovery} label={recovery ? 'Recovery code' : 'Code from your authenticator app'} autoFocus errors={form.fieldErrors.code} required />
      <div className="actions">
        <button className="button" type="submit" disabled={stepUp.isPending}>
          {stepUp.isPending ? 'Checking…' : submitLabel}
        </button>
        {canUseRecovery || recovery ? (
          <button className="link-button" type="button" onClick={() => setRecovery(!recovery)}>
            {recovery ? 'Use the authenticator app instead' : 'Lost your phone? Use a recovery code'}
          </button>
        ) : null}
      </div>
    </form>
  );
}
