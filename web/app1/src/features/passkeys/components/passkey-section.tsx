import { useState, type ReactNode } from 'react';
import { PasskeyNameSchema, type Passkey } from '@sso/types';
import { z } from 'zod/mini';
import { Alert, Field, Loading, describeError, formatDateTime, isApiError, useForm } from '@sso/web-shared';
import { useAddPasskey } from '../api/add-passkey';
import { usePasskeys } from '../api/get-passkeys';
import { describePasskeyError } from '../api/passkey-errors';
import { useRemovePasskey } from '../api/remove-passkey';
import { useRenamePasskey } from '../api/rename-passkey';

const NameFormSchema = /* @__PURE__ */ z.object({ name: PasskeyNameSchema });

/** A first name for a new passkey, from what the browser says it runs on; the person can change it. */
function suggestedName(): string {
  const ua = navigator.userAgent;
  if (/iPhone|iPad/.test(ua)) return 'iPhone or iPad';
  if (/Android/.test(ua)) return 'Android phone';
  if (/Macintosh/.test(ua)) return 'Mac';
  if (/Windows/.test(ua)) return 'Windows PC';
  if (/CrOS/.test(ua)) return 'Chromebook';
  if (/Linux/.test(ua)) return 'Linux computer';
  return 'Passkey';
}

/** Renders the "confirm it's you" prompt for `methods`, calling `done` once it passed (ADR 032). */
type Confirm = (methods: readonly string[], done: () => void) => ReactNode;

/**
 * The account page's "Passkeys" card: add named passkeys, see when each was
 * last used, rename or remove them. Removing one needs recent
 * authentication: on RECENT_AUTH_REQUIRED `confirm` renders the prompt
 * inline, and the removal is sent again once it passed.
 */
export function PasskeySection({ confirm }: { confirm?: Confirm }) {
  const passkeys = usePasskeys();
  let body;
  if (passkeys.isPending) body = <Loading label="Loading your passkeys…" />;
  else if (passkeys.isError)
    body = (
      <>
        <Alert>{isApiError(passkeys.error, 'STORE_UNAVAILABLE') ? 'Your passkeys could not be loaded just now. Try again in a moment.' : describeError(passkeys.error)}</Alert>
        <div className="actions">
          <button className="button button--secondary" type="button" onClick={() => void passkeys.refetch()}>
            Try again
          </button>
        </div>
      </>
    );
  else
    body = (
      <>
        {passkeys.data.passkeys.length ? (
          <ul className="devices passkeys">
            {passkeys.data.passkeys.map((p) => (
              <PasskeyItem key={p.id} passkey={p} confirm={confirm} />
            ))}
          </ul>
        ) : (
          <p className="note passkeys__none">No passkey yet.</p>
        )}
        <AddPasskey />
      </>
    );
  return (
    <section className="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="lead">
        Sign in with your fingerprint, face or screen lock instead of a password. A passkey works only on this site, so it cannot be phished. With two-step
        sign-in on, a passkey also serves as your second step.
      </p>
      {body}
    </section>
  );
}

function AddPasskey() {
  const add = useAddPasskey();
  const form = useForm(NameFormSchema);
  const [added, setAdded] = useState<string | null>(null);
  return (
    <form
      ref={form.formRef}
      className="passkeys__add"
      noValidate
      onSubmit={form.onSubmit((values) => {
        setAdded(null);
        add.mutate(values.name, {
          onSuccess: (res) => {
            setAdded(res.passkey.name);
            form.formRef.current?.reset();
          },
        });
      })}
    >
      <Alert>{form.formError ?? (add.isError ? describePasskeyError(add.error) : null)}</Alert>
      <Alert tone="success">{added ? `Passkey “${added}” added. Next time, choose “Use a passkey” on the sign-in page.` : null}</Alert>
      <Field name="name" label="Name of the new passkey" hint="So you can tell your passkeys apart, e.g. “Work laptop”." defaultValue={suggestedName()} maxLength={64} errors={form.fieldErrors.name} required />
      <div className="actions">
        <button className="button" type="submit" disabled={add.isPending}>
          {add.isPending ? 'Waiting for your device…' : 'Add a passkey'}
        </button>
      </div>
    </form>
  );
}

function PasskeyItem({ passkey, confirm }: { passkey: Passkey; confirm: Confirm | undefined }) {
  const [mode, setMode] = useState<'view' | 'rename' | 'remove'>('view');
  const [reauth, setReauth] = useState<readonly string[] | null>(null);
  const rename = useRenamePasskey();
  const remove = useRemovePasskey();
  const form = useForm(NameFormSchema);
  const send = () =>
    remove.mutate(passkey.id, {
      onError: (err) => {
        if (confirm && isApiError(err, 'RECENT_AUTH_REQUIRED')) setReauth(err.problem?.methods ?? []);
      },
    });
  const detailsId = `passkey-${passkey.id}`;
  const details = (
    <p className="devices__details" id={detailsId}>
      Added {formatDateTime(passkey.createdAt)} · {passkey.lastUsedAt ? `last used ${formatDateTime(passkey.lastUsedAt)}` : 'never used'}
    </p>
  );

  if (mode === 'rename') {
    return (
      <li className="devices__item passkeys__item">
        <form
          ref={form.formRef}
          className="passkeys__rename"
          noValidate
          onSubmit={form.onSubmit((values) => rename.mutate({ id: passkey.id, name: values.name }, { onSuccess: () => setMode('view'), onError: form.showServerError }))}
        >
          <Alert>{form.formError}</Alert>
          <Field name="name" label={`New name for “${passkey.name}”`} defaultValue={passkey.name} maxLength={64} errors={form.fieldErrors.name} autoFocus required />
          <div className="actions">
            <button className="button button--small" type="submit" disabled={rename.isPending}>
              {rename.isPending ? 'Saving…' : 'Save'}
            </button>
            <button className="button button--secondary button--small" type="button" onClick={() => setMode('view')}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li className="devices__item passkeys__item">
      <div className="devices__what">
        <span className="devices__name">{passkey.name}</span>
        <span className="badge badge--neutral">{passkey.synced ? 'Synced' : 'This device only'}</span>
      </div>
      {details}
      {mode === 'remove' ? (
        <div className="passkeys__confirm" role="group" aria-label={`Remove ${passkey.name}?`}>
          <p className="passkeys__question">Remove “{passkey.name}”? It will no longer sign you in.</p>
          <Alert>{remove.isError && !reauth ? describeError(remove.error) : null}</Alert>
          <div className="actions">
            <button className="button button--danger button--small" type="button" disabled={remove.isPending || reauth !== null} onClick={send}>
              {remove.isPending ? 'Removing…' : 'Remove'}
            </button>
            <button
              className="button button--secondary button--small"
              type="button"
              onClick={() => {
                setReauth(null);
                setMode('view');
              }}
            >
              Keep it
            </button>
          </div>
          {reauth && confirm ? (
            <div className="reauth" role="group" aria-labelledby={`reauth-${passkey.id}`}>
              <h3 id={`reauth-${passkey.id}`}>Confirm it's you</h3>
              <p>Removing a passkey needs a recent sign-in: confirm with your second factor to remove “{passkey.name}”.</p>
              {confirm(reauth, () => {
                setReauth(null);
                send();
              })}
            </div>
          ) : null}
        </div>
      ) : (
        <div className="passkeys__buttons">
          <button className="button button--secondary button--small" type="button" aria-describedby={detailsId} aria-label={`Rename ${passkey.name}`} onClick={() => setMode('rename')}>
            Rename
          </button>
          <button className="button button--danger button--small" type="button" aria-describedby={detailsId} aria-label={`Remove ${passkey.name}`} onClick={() => setMode('remove')}>
            Remove
          </button>
        </div>
      )}
    </li>
  );
}
