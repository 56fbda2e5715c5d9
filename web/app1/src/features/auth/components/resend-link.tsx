import { Alert, describeError, isApiError } from '@sso/web-shared';
import { resendVerification } from '../api/resend-verification';
import { useRequest } from '../api/use-request';

/** "Send a new link": loading, sent (where to), throttled (how long to wait), or another failure. */
export function ResendLink({ label = 'Send a new link', onSent }: { label?: string; onSent?: () => void }) {
  const resend = useRequest(resendVerification);
  return (
    <div className="resend">
      {resend.status === 'success' ? (
        <Alert tone="success">
          A new link is on its way to <strong>{resend.data.sentTo}</strong>. Only the newest link works.
        </Alert>
      ) : resend.status === 'error' ? (
        <Alert tone={isApiError(resend.error, 'RATE_LIMITED') ? 'info' : 'error'}>
          {isApiError(resend.error, 'RATE_LIMITED') ? `${describeError(resend.error).replace('Too many attempts', 'We sent several links already')} Check your spam folder meanwhile.` : describeError(resend.error)}
        </Alert>
      ) : null}
      <button className="button button--secondary" type="button" disabled={resend.isPending} onClick={() => resend.send({}, { onSuccess: onSent })}>
        {resend.isPending ? 'Sending…' : label}
      </button>
    </div>
  );
}
