import { useEffect, useRef, useState } from 'react';
import { DeleteAccountRequestSchema } from '@sso/types';
import { Alert, Field, useForm } from '@sso/web-shared';
import { useDeleteAccount } from '../api/delete-account';

/**
 * "Delete account": a button that opens a confirmation asking for the
 * password again (and a code when two-step sign-in is on). `needsCode` comes
 * from the page, which knows the second-factor status.
 */
export function DeleteAccountSection({ needsCode, onDeleted }: { needsCode: boolean; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <section className="card card--danger" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <p className="lead">Deleting your account signs you out everywhere and removes it for good, here and in every app of this domain. Download your data first if you want a copy.</p>
      {confirming ? (
        <DeleteAccountConfirmation
          needsCode={needsCode}
          onDeleted={onDeleted}
          onCancel={() => {
            setConfirming(false);
            // Back to the button that opened it, for keyboard users.
            setTimeout(() => opener.current?.focus(), 0);
          }}
        />
      ) : (
        <div className="actions">
          <button ref={opener} className="button button--danger" type="button" onClick={() => setConfirming(true)}>
            Delete account…
          </button>
        </div>
      )}
    </section>
  );
}

function DeleteAccountConfirmation({ needsCode, onDeleted, onCancel }: { needsCode: boolean; onDeleted: () => void; onCancel: () => void }) {
  const form = useForm(DeleteAccountRequestSchema, { messages: { INVALID_CREDENTIALS: 'Your password is wrong. Check it and try again.', INVALID_SECOND_FACTOR: 'That code is not valid.' } });
  const remove = useDeleteAccount();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="confirm" role="group" aria-labelledby="delete-confirm-heading">
      <h3 id="delete-confirm-heading" ref={heading} tabIndex={-1}>
        Delete your account for good?
      </h3>
      <ul>
        <li>Every session ends, on every device and in every app.</li>
        <li>The apps of this domain delete what they kept about you.</li>
        <li>This cannot be undone: your username becomes free for anyone.</li>
      </ul>
      <form ref={form.formRef} noValidate onSubmit={form.onSubmit((values) => remove.mutate(values, { onSuccess: onDeleted, onError: form.showServerError }))}>
        <Alert>{form.formError}</Alert>
        <Field id="delete-password" name="password" label="Your password" type="password" autoComplete="current-password" errors={form.fieldErrors.password} required />
        {needsCode ? (
          <Field id="delete-code" name="code" label="Code from your authenticator app, or a recovery code" autoComplete="one-time-code" errors={form.fieldErrors.code} required />
        ) : null}
        <div className="actions">
          <button className="button button--danger" type="submit" disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete my account'}
          </button>
          <button className="button button--secondary" type="button" onClick={onCancel} disabled={remove.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
