import { useState } from 'react';
import { SecondFactorProofRequestSchema, TotpConfirmRequestSchema, type TotpSetupResponse } from '@sso/types';
import { Alert, Field, Loading, describeError, formatDateTime, useForm } from '@sso/web-shared';
import { useConfirmTotp } from '../api/confirm-totp';
import { useDisableTotp } from '../api/disable-totp';
import { useSecondFactorStatus } from '../api/get-second-factor-status';
import { useRegenerateRecoveryCodes } from '../api/regenerate-recovery-codes';
import { useSetupTotp } from '../api/setup-totp';
import { RecoveryCodesList } from './recovery-codes-list';

// In the account page's chunk, never on the first page. (A nested dynamic
// import here made the bundler split the first page into preloaded chunks,
// 1.4 kB heavier.)
import { TotpQrCode } from './totp-qr-code';

const CODE_MESSAGES = { INVALID_SECOND_FACTOR: 'That code is not valid, or it was used already. Wait for the next one and try again.' };

/** The account page's "Two-step sign-in" card: set up, confirm, turn off TOTP; recovery codes. */
export function TwoStepSection() {
  const status = useSecondFactorStatus();
  const [codes, setCodes] = useState<string[] | null>(null);

  let body;
  if (codes) body = <RecoveryCodesList codes={codes} onDone={() => setCodes(null)} />;
  else if (status.isPending) body = <Loading label="Loading…" />;
  else if (status.isError) body = <Alert>{describeError(status.error)}</Alert>;
  else if (status.data.totp.enabled)
    body = <Enabled since={status.data.totp.enabledAt} left={status.data.recoveryCodesLeft} onCodes={setCodes} />;
  else body = <SetUp onCodes={setCodes} />;

  return (
    <section className="card" aria-labelledby="two-step-heading">
      <h2 id="two-step-heading">Two-step sign-in</h2>
      {body}
    </section>
  );
}

function SetUp({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const setup = useSetupTotp();
  const [secret, setSecret] = useState<TotpSetupResponse | null>(null);
  const confirm = useConfirmTotp();
  const form = useForm(TotpConfirmRequestSchema, { messages: CODE_MESSAGES });
  if (!secret) {
    return (
      <>
        <p className="lead">Off. With an authenticator app, a stolen password alone no longer signs anyone in.</p>
        <Alert>{setup.error ? describeError(setup.error) : null}</Alert>
        <button className="button" type="button" disabled={setup.isPending} onClick={() => setup.mutate(undefined, { onSuccess: setSecret })}>
          {setup.isPending ? 'Starting…' : 'Set up an authenticator app'}
        </button>
      </>
    );
  }
  return (
    <form
      ref={form.formRef}
      noValidate
      onSubmit={form.onSubmit((values) => confirm.mutate(values, { onSuccess: (res) => onCodes(res.recoveryCodes), onError: form.showServerError }))}
    >
      <p>Scan this code with your authenticator app (Google Authenticator, Authy, 1Password, Aegis…), then enter the 6 digits it shows.</p>
      <TotpQrCode uri={secret.uri} />
      <p>
        Or type this key: <span className="secret" data-testid="totp-secret">{secret.secret}</span>
      </p>
      <Alert>{form.formError}</Alert>
      <Field name="code" label="Code from the app" autoComplete="one-time-code" inputMode="numeric" errors={form.fieldErrors.code} required />
      <div className="actions">
        <button className="button" type="submit" disabled={confirm.isPending}>
          {confirm.isPending ? 'Checking…' : 'Turn on'}
        </button>
      </div>
    </form>
  );
}

function Enabled({ since, left, onCodes }: { since: string | null; left: number; onCodes: (codes: string[]) => void }) {
  const disable = useDisableTotp();
  const regenerate = useRegenerateRecoveryCodes();
  const regenForm = useForm(SecondFactorProofRequestSchema, { messages: CODE_MESSAGES });
  const offForm = useForm(SecondFactorProofRequestSchema, { messages: CODE_MESSAGES });
  return (
    <>
      <p className="lead">On{since ? ` since ${formatDateTime(since)}` : ''}: signing in asks for a code from your authenticator app.</p>
      <p>
        Recovery codes left: <strong>{left}</strong>
        {left <= 3 ? ' — make new ones before they run out.' : ''}
      </p>
      <form
        ref={regenForm.formRef}
        noValidate
        onSubmit={regenForm.onSubmit((values) => regenerate.mutate(values, { onSuccess: (res) => onCodes(res.recoveryCodes), onError: regenForm.showServerError }))}
      >
        <Alert>{regenForm.formError}</Alert>
        <Field name="code" id="regen-code" label="Code from the app" hint="New recovery codes replace all the old ones." autoComplete="one-time-code" inputMode="numeric" errors={regenForm.fieldErrors.code} required />
        <div className="actions">
          <button className="button button--secondary" type="submit" disabled={regenerate.isPending}>
            New recovery codes
          </button>
        </div>
      </form>
      <form
        ref={offForm.formRef}
        noValidate
        onSubmit={offForm.onSubmit((values) => disable.mutate(values, { onError: offForm.showServerError }))}
      >
        <Alert>{offForm.formError}</Alert>
        <Field name="code" id="off-code" label="Code from the app, or a recovery code" autoComplete="one-time-code" errors={offForm.fieldErrors.code} required />
        <div className="actions">
          <button className="button button--secondary" type="submit" disabled={disable.isPending}>
            Turn off two-step sign-in
          </button>
        </div>
      </form>
    </>
  );
}
