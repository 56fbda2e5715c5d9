import { ChangePasswordRequestSchema } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { useChangePassword } from '../api/change-password';
import { NewPasswordField } from './new-password-field';
import { otherDevicesSignedOut } from '../other-devices';

/** Change the password; other devices are signed out, this one stays signed in. */
export function ChangePasswordForm() {
  // INVALID_CREDENTIALS here is the current password alone, not a username and password.
  const form = useForm(ChangePasswordRequestSchema, { messages: { INVALID_CREDENTIALS: 'Your current password is wrong. Check it and try again.' } });
  const change = useChangePassword();
  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) =>
        change.mutate(values, { onSuccess: () => form.formRef.current?.reset(), onError: form.showServerError }),
      )}
    >
      <Alert>{form.formError}</Alert>
      {change.isSuccess ? (
        <Alert tone="success">
          Password changed.{change.data.revokedSessions ? ` ${otherDevicesSignedOut(change.data.revokedSessions)}` : null}
        </Alert>
      ) : null}
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" errors={form.fieldErrors.currentPassword} required />
      <NewPasswordField name="newPassword" label="New password" errors={form.fieldErrors.newPassword} />
      <div>
        <button className="button" type="submit" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
