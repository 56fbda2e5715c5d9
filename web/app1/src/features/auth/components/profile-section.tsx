import { useState } from 'react';
import { z } from 'zod/mini';
import { ChangeEmailRequestSchema, DisplayNameSchema, type Account } from '@sso/types';
import { Alert, EmailBadge, Field, Loading, describeError, formatDate, formatDateTime, useForm } from '@sso/web-shared';
import { useChangeEmail } from '../api/change-email';
import { useEmailStatus } from '../api/get-email-status';
import { useUpdateProfile } from '../api/update-profile';
import { ResendLink } from './resend-link';

const NameFormSchema = z.object({ name: z.optional(DisplayNameSchema) });

/** An inline form's buttons: submit (disabled, with `pendingLabel`, while it is sent) and Cancel. */
function SubmitOrCancel({ pending, label, pendingLabel, onCancel }: { pending: boolean; label: string; pendingLabel: string; onCancel: () => void }) {
  return (
    <div className="actions">
      <button className="button" type="submit" disabled={pending}>
        {pending ? pendingLabel : label}
      </button>
      <button className="button button--secondary" type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function NameForm({ name, onDone }: { name: string | null; onDone: () => void }) {
  const form = useForm(NameFormSchema);
  const update = useUpdateProfile();
  return (
    <form
      ref={form.formRef}
      noValidate
      className="inline-form"
      onSubmit={form.onSubmit((values) => update.mutate({ name: values.name ?? null }, { onSuccess: onDone, onError: form.showServerError }))}
    >
      <Alert>{form.formError}</Alert>
      <Field name="name" label="Name" hint="Leave it empty to show your username instead." autoComplete="name" defaultValue={name ?? ''} errors={form.fieldErrors.name} autoFocus />
      <SubmitOrCancel pending={update.isPending} label="Save name" pendingLabel="Saving…" onCancel={onDone} />
    </form>
  );
}

function ChangeEmailForm({ onDone }: { onDone: () => void }) {
  const form = useForm(ChangeEmailRequestSchema, { messages: { INVALID_CREDENTIALS: 'Your current password is wrong. Check it and try again.' } });
  const change = useChangeEmail();
  return (
    <form
      ref={form.formRef}
      noValidate
      className="inline-form"
      onSubmit={form.onSubmit((values) => change.mutate(values, { onSuccess: onDone, onError: form.showServerError }))}
    >
      <Alert>{form.formError}</Alert>
      <Field name="email" label="New email address" type="email" autoComplete="email" errors={form.fieldErrors.email} required autoFocus />
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" errors={form.fieldErrors.currentPassword} required />
      <p className="field__hint">We send a link to the new address and tell the current one. Your address changes when the link is used.</p>
      <SubmitOrCancel pending={change.isPending} label="Send confirmation link" pendingLabel="Sending link…" onCancel={onDone} />
    </form>
  );
}

/**
 * The account page's profile card: name (changed at once), email with its
 * verified badge, a new verification link, and an email change confirmed
 * through a link to the new address (pending until then; ADR 030).
 */
export function ProfileSection({ user }: { user: Account }) {
  const [editing, setEditing] = useState<'name' | 'email' | null>(null);
  const status = useEmailStatus();
  const pending = status.data?.pending ?? null;
  return (
    <>
      <dl className="facts">
        <dt>Username</dt>
        <dd>{user.username}</dd>
        <dt>Name</dt>
        <dd>
          {editing === 'name' ? (
            <NameForm name={user.name} onDone={() => setEditing(null)} />
          ) : (
            <span className="fact-with-action">
              {user.name ?? '—'}
              <button className="link-button" type="button" aria-label="Edit name" onClick={() => setEditing('name')}>
                Edit
              </button>
            </span>
          )}
        </dd>
        <dt>Email</dt>
        <dd>
          <span className="fact-with-action">
            <span>{user.email ?? '—'}</span>
            {user.email ? <EmailBadge verified={user.emailVerified} /> : null}
            {editing !== 'email' ? (
              <button className="link-button" type="button" aria-label={`${user.email ? 'Change' : 'Add'} email address`} onClick={() => setEditing('email')}>
                {user.email ? 'Change' : 'Add'}
              </button>
            ) : null}
          </span>
        </dd>
        <dt>Member since</dt>
        <dd>{formatDate(user.createdAt)}</dd>
        <dt>Groups</dt>
        <dd>{user.groups.length ? user.groups.join(', ') : 'None'}</dd>
      </dl>
      <div className="profile-notes">
      {status.isPending ? <Loading label="Checking your address…" /> : status.isError ? <Alert>{describeError(status.error)}</Alert> : null}
      {pending ? (
        <Alert tone="info">
          Waiting for confirmation: we sent a link to <strong>{pending.email}</strong> (works until {formatDateTime(pending.expiresAt)}). Your address
          changes when it is used.
        </Alert>
      ) : null}
      {editing === 'email' ? <ChangeEmailForm onDone={() => setEditing(null)} /> : null}
      {user.email && !user.emailVerified && editing !== 'email' && !pending ? (
        <div className="notice">
          <p>Confirm your address with the link we mailed to it. It lets you reset a forgotten password, and apps may need it.</p>
          <ResendLink />
        </div>
      ) : null}
      </div>
    </>
  );
}
