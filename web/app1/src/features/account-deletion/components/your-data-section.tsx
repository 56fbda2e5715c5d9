import { Alert, describeError } from '@sso/web-shared';
import { useDownloadMyData } from '../api/export-account';

/** "Your data": download what the identity app holds about you, as JSON. */
export function YourDataSection() {
  const download = useDownloadMyData();
  return (
    <section className="card" aria-labelledby="data-heading">
      <h2 id="data-heading">Your data</h2>
      <p className="lead">Download what this identity app holds about you: your account, where you are signed in and which second factors you use. Never a password or a secret.</p>
      <Alert>{download.isError ? describeError(download.error) : null}</Alert>
      <Alert tone="success">{download.isSuccess ? 'Your data was downloaded.' : null}</Alert>
      <div className="actions">
        <button className="button button--secondary" type="button" disabled={download.isPending} onClick={() => download.mutate()}>
          {download.isPending ? 'Preparing…' : 'Download my data'}
        </button>
      </div>
    </section>
  );
}
