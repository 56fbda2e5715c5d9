import { SignupRequestSchema } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { useSignup } from '../api/signup';
import { NewPasswordField } from './new-password-field';
import { useGoTo } from '../use-go-to';
import { useNavigate } from 'react-router';
import { config } from '../../../config/env';

/** Sign-up form: creates the account and signs it in on every app of the domain. */
export function SignupForm({ returnTo }: { returnTo?: string | undefined }) {
  const form = useForm(SignupRequestSchema);
  const signup = useSignup();
  const goTo = useGoTo();
  const navigate = useNavigate();

  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) =>
        signup.mutate(
          { ...values, returnTo },
          // With SSO_REQUIRE_VERIFIED_EMAIL the account gets no session until its address is confirmed (ADR 030).
          { onSuccess: (res) => (res.redirectTo ? goTo(res.redirectTo) : navigate('/check-inbox', { state: res.verifyEmail ?? { email: null } })), onError: form.showServerError },
        ),
      )}
    >
      <Alert>{form.formError}</Alert>
      <Field
        name="username"
        label="Username"
        hint="3 to 32 letters, digits, dots, dashes or underscores. Not case-sensitive."
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        errors={form.fieldErrors.username}
        required
      />
      <Field name="name" label="Full name (optional)" autoComplete="name" errors={form.fieldErrors.name} />
      <Field
        name="email"
        label={config.requireVerifiedEmail ? 'Email' : 'Email (optional)'}
        hint={config.requireVerifiedEmail ? 'We send a link to confirm it; you sign in once it is confirmed.' : 'We send a link to confirm it.'}
        type="email"
        autoComplete="email"
        errors={form.fieldErrors.email}
        required={config.requireVerifiedEmail}
      />
      <NewPasswordField name="password" label="Password" errors={form.fieldErrors.password} />
      <button className="button" type="submit" disabled={signup.isPending}>
        {signup.isPending ? 'Creating your account…' : 'Create account'}
      </button>
    </form>
  );
}
