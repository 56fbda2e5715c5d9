import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { SecondFactorLoginRequestSchema } from '@sso/types';
import { Alert, CodeField, Page, useForm } from '@sso/web-shared';
import { config } from '../../config/env';
import { useVerifySecondFactor } from '../../features/second-factor/api/verify-second-factor';
import { useGoTo } from '../../features/auth/use-go-to';
import { PasskeySecondFactor } from '../../features/passkeys/components/passkey-second-factor';

/** /login/second-factor?returnTo=…: the password passed; the code from the authenticator app (or a recovery code) finishes the sign-in. */
export function SecondFactorRoute() {
  const location = useLocation();
  const returnTo = new URLSearchParams(location.search).get('returnTo') || undefined;
  const [recovery, setRecovery] = useState(false);
  const form = useForm(SecondFactorLoginRequestSchema, {
    messages: {
      INVALID_SECOND_FACTOR: 'That code is not valid, or it was used already. Check your app and try again.',
      SECOND_FACTOR_EXPIRED: 'This sign-in is over (it took too long, or too many codes were wrong). Sign in again.',
    },
  });
  const verify = useVerifySecondFactor();
  const goTo = useGoTo();
  const expired = (verify.error as { code?: string } | null)?.code === 'SECOND_FACTOR_EXPIRED';
  const loginLink = { pathname: '/login', search: returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '' };

  return (
    <Page title="Two-step sign-in" appName={config.appName} narrow>
      <h1>Two-step sign-in</h1>
      <p className="lead">{recovery ? 'Enter one of your recovery codes. Each works once.' : 'Enter the 6-digit code your authenticator app shows for this account.'}</p>
      <div className="card">
        <PasskeySecondFactor returnTo={returnTo} loginLink={loginLink} finish={goTo} />
        <form
          ref={form.formRef}
          noValidate
          onSubmit={form.onSubmit((values) => verify.mutate({ ...values, returnTo }, { onSuccess: (res) => goTo(res.redirectTo), onError: form.showServerError }))}
        >
          <Alert>{form.formError}</Alert>
          {expired ? (
            <p>
              <Link to={loginLink}>Sign in again</Link>
            </p>
          ) : null}
          <CodeField key={recovery ? 'recovery' : 'totp'} recovery={recovery} label={recovery ? 'Recovery code' : 'Code'} autoFocus errors={form.fieldErrors.code} required />
          <button className="button" type="submit" disabled={verify.isPending}>
            {verify.isPending ? 'Checking…' : 'Continue'}
          </button>
        </form>
      </div>
      <p className="switch">
        <button className="link-button" type="button" onClick={() => setRecovery(!recovery)}>
          {recovery ? 'Use the authenticator app instead' : 'Lost your phone? Use a recovery code'}
        </button>
        {' · '}
        <Link to={loginLink}>Start over</Link>
      </p>
    </Page>
  );
}
