import { LoginRequestSchema } from '@sso/types';
import { Link, useNavigate } from 'react-router';
import { Alert, Field, isApiError, useForm } from '@sso/web-shared';
import { useLogin } from '../api/login';
import { useGoTo } from '../use-go-to';

/** Also in the throttled message: a person locked out by the limit may simply have forgotten the password. */
const forgot = <Link to="/forgot-password">Forgot password?</Link>;

/** Sign-in form. After success, goes where BFF 1 said (a validated redirectTo), never to a raw query-string URL. */
export function LoginForm({ returnTo }: { returnTo?: string | undefined }) {
  const form = useForm(LoginRequestSchema);
  const login = useLogin();
  const goTo = useGoTo();
  const navigate = useNavigate();

  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) =>
        login.mutate(
          { ...values, returnTo },
          {
            // With a second factor enrolled, the password only opened a pending sign-in: its page asks for the code.
            onSuccess: (res) => (res.redirectTo ? goTo(res.redirectTo) : navigate({ pathname: '/login/second-factor', search: returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '' })),
            onError: form.showServerError,
          },
        ),
      )}
    >
      {/* Children only with a message: an empty fragment would draw an empty error box. */}
      <Alert>
        {form.formError ? (
          <>
            {form.formError}
            {isApiError(login.error, 'RATE_LIMITED') ? <> {forgot}</> : null}
          </>
        ) : null}
      </Alert>
      <Field name="username" label="Username" autoComplete="username" autoCapitalize="none" spellCheck={false} errors={form.fieldErrors.username} required />
      <Field name="password" label="Password" type="password" autoComplete="current-password" errors={form.fieldErrors.password} required />
      <button className="button" type="submit" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="switch">{forgot}</p>
    </form>
  );
}
