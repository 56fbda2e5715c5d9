import { ForgotPasswordRequestSchema } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { forgotPassword } from '../api/forgot-password';
import { useRequest } from '../api/use-request';

/** The answer after any accepted request: it never says whether an account matched. */
export const FORGOT_SENT_MESSAGE = 'If an account matches, we sent a link to its email address. It works once and for a short time; check your inbox (and spam folder).';

/** Ask for a reset link by username or email address; `onSent` once the request was accepted. */
export function ForgotPasswordForm({ onSent }: { onSent: () => void }) {
  // A 429 is per network, counted before any account is looked up: it says nothing about accounts.
  const form = useForm(ForgotPasswordRequestSchema);
  const forgot = useRequest(forgotPassword);

  return (
    <form ref={form.formRef} noValidate onSubmit={form.onSubmit((values) => forgot.send(values, { onSuccess: onSent, onError: form.showServerError }))}>
      <Alert>{form.formError}</Alert>
      <Field
        name="login"
        label="Username or email"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        hint="The username you sign in with, or the email address on your account."
        errors={form.fieldErrors.login}
        required
      />
      <button className="button" type="submit" disabled={forgot.isPending}>
        {forgot.isPending ? 'Sending…' : 'Send reset link'}
      </button>
    </form>
  );
}
