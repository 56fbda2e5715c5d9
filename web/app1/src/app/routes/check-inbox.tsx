import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { z } from 'zod/mini';
import { EmailAddressSchema } from '@sso/types';
import { Alert, Field, Page, isApiError, useForm } from '@sso/web-shared';
import { config } from '../../config/env';
import { resendVerification } from '../../features/auth/api/resend-verification';
import { useRequest } from '../../features/auth/api/use-request';
import { ResendLink } from '../../features/auth/components/resend-link';

/** What sign-in or sign-up passed along (history state: an address never goes in a URL). */
export interface CheckInboxState {
  email: string | null;
}

const AddressSchema = z.object({ email: EmailAddressSchema });

/** An address to send the link to: for an account without one, or when the one given at sign-up was wrong. */
function AddressForm({ label }: { label: string }) {
  const form = useForm(AddressSchema);
  const send = useRequest(resendVerification);
  if (send.status === 'success') {
    return (
      <Alert tone="success">
        A link is on its way to <strong>{send.data.sentTo}</strong>. The address is set once you open it.
      </Alert>
    );
  }
  return (
    <form ref={form.formRef} noValidate onSubmit={form.onSubmit((values) => send.send(values, { onError: form.showServerError }))}>
      <Alert tone={isApiError(send.error, 'RATE_LIMITED') ? 'info' : 'error'}>{form.formError}</Alert>
      <Field name="email" label={label} type="email" autoComplete="email" errors={form.fieldErrors.email} required />
      <button className="button" type="submit" disabled={send.isPending}>
        {send.isPending ? 'Sending…' : 'Send link'}
      </button>
    </form>
  );
}

/**
 * /check-inbox: with SSO_REQUIRE_VERIFIED_EMAIL, where sign-in and sign-up
 * of an unverified account land instead of a session (ADR 030). The password
 * passed; a host-only cookie lets this page ask for another link.
 */
export function CheckInboxRoute() {
  const location = useLocation();
  const email = (location.state as CheckInboxState | null)?.email ?? null;
  const [otherAddress, setOtherAddress] = useState(false);
  return (
    <Page title="Check your inbox" appName={config.appName} narrow>
      <h1>Check your inbox</h1>
      {email ? (
        <>
          <p className="lead">
            Confirm your email address before you sign in. We sent a link to <strong>{email}</strong>: open it, then sign in again.
          </p>
          <div className="card check-inbox">
            <p>No mail after a few minutes? Look in your spam folder, or ask for another link. Only the newest link works.</p>
            <ResendLink label="Send the link again" />
            <p className="switch">
              <button className="link-button" type="button" onClick={() => setOtherAddress((v) => !v)}>
                Wrong address?
              </button>
            </p>
            {otherAddress ? <AddressForm label="Send the link to this address instead" /> : null}
          </div>
        </>
      ) : (
        <>
          <p className="lead">This service needs a confirmed email address before you sign in, and your account has none yet.</p>
          <div className="card check-inbox">
            <AddressForm label="Your email address" />
          </div>
        </>
      )}
      <p className="switch">
        Confirmed it? <Link to="/login">Sign in</Link>
      </p>
    </Page>
  );
}

