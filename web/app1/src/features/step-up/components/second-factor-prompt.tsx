import { useState } from 'react';
import { StepUpRequestSchema, type StepUpResponse } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { useStepUp } from '../api/step-up';

/**
 * Asks for the second factor only (a code from the authenticator app, or a
 * recovery code) and proves it for the live session: the step-up page and
 * the account page's "confirm it's you" prompt both use it.
 */
export function SecondFactorPrompt({ methods, returnTo, submitLabel, onDone }: { methods: readonly string[]; returnTo?: string | undefined; submitLabel: string; onDone: (res: StepUpResponse) => void }) {
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
      <Field
        key={recovery ? 'recovery' : 'totp'}
        name="code"
        label={recovery ? 'Recovery code' : 'Code from your authenticator app'}
        autoComplete="one-time-code"
        inputMode={recovery ? 'text' : 'numeric'}
        autoCapitalize="none"
        spellCheck={false}
        autoFocus
        errors={form.fieldErrors.code}
        required
      />
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
