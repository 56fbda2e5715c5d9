import { useState, type ReactNode } from 'react';
import { ChangePasswordRequestSchema, type ChangePasswordRequest } from '@sso/types';
import { Alert, Field, isApiError, useForm } from '@sso/web-shared';
import { useChangePassword } from '../api/change-password';
import { NewPasswordField } from './new-password-field';
import { otherDevicesSignedOut } from '../other-devices';

/**
 * Change the password; other devices are signed out, this one stays signed
 * in. With a second factor enrolled and none proved recently, BFF 1 answers
 * RECENT_AUTH_REQUIRED: `confirm` renders the prompt for it (the second
 * factor, inline), and the change is sent again once it passed (ADR 032).
 */
export function ChangePasswordForm({ confirm }: { confirm?: (methods: readonly string[], done: () => void) => ReactNode }) {
  // INVALID_CREDENTIALS here is the current password alone, not a username and password.
  const form = useForm(ChangePasswordRequestSchema, { messages: { INVALID_CREDENTIALS: 'Your current password is wrong. Check it and try again.' } });
  const change = useChangePassword();
  const [waiting, setWaiting] = useState<{ values: ChangePasswordRequest; methods: readonly string[] } | null>(null);
  const send = (values: ChangePasswordRequest) =>
    change.mutate(values, {
      onSuccess: () => form.formRef.current?.reset(),
      onError: (err) => {
        if (confirm && isApiError(err, 'RECENT_AUTH_REQUIRED')) setWaiting({ values, methods: err.problem?.methods ?? [] });
        else form.showServerError(err);
      },
    });
  return (
    <>
      <form ref={form.formRef} noValidate onSubmit={form.onSubmit(send)}>
        <Alert>{form.formError}</Alert>
        {change.isSuccess ? (
          <Alert tone="success">
            Password changed.{change.data.revokedSessions ? ` ${otherDevicesSignedOut(change.data.revokedSessions)}` : null}
          </Alert>
        ) : null}
        <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" errors={form.fieldErrors.currentPassword} required />
        <NewPasswordField name="newPassword" label="New password" errors={form.fieldErrors.newPassword} />
        <div>
          <button className="button" type="submit" disabled={change.isPending || waiting !== null}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
      {waiting && confirm ? (
        <div className="reauth" role="group" aria-labelledby="reauth-heading">
          <h3 id="reauth-heading">Confirm it's you</h3>
          <p>
            Your account has two-step sign-in: {waiting.methods.includes('passkey') ? 'use a passkey or enter a code from your authenticator app' : 'enter a code from your authenticator app'} to
            change the password.
          </p>
          {confirm(waiting.methods, () => {
            const { values } = waiting;
            setWaiting(null);
            send(values);
          })}
          <button className="link-button" type="button" onClick={() => setWaiting(null)}>
            Cancel
          </button>
        </div>
      ) : null}
    </>
  );
}
