import { SignupRequestSchema } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { useSignup } from '../api/signup';
import { NewPasswordField } from './new-password-field';
import { useGoTo } from '../use-go-to';

/** Sign-up form: creates the account and signs it in on every app of the domain. */
export function SignupForm({ returnTo }: { returnTo?: string | undefined }) {
  const form = useForm(SignupRequestSchema);
  const signup = useSignup();
  const goTo = useGoTo();

  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) =>
        signup.mutate({ ...values, returnTo }, { onSuccess: (res) => goTo(res.redirectTo), onError: form.showServerError }),
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
      <Field name="email" label="Email (optional)" type="email" autoComplete="email" errors={form.fieldErrors.email} />
      <NewPasswordField name="password" label="Password" errors={form.fieldErrors.password} />
      <button className="button" type="submit" disabled={signup.isPending}>
        {signup.isPending ? 'Creating your account…' : 'Create account'}
      </button>
    </form>
  );
}
