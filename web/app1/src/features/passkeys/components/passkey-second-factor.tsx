import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, type To } from 'react-router';
import { Alert } from '@sso/web-shared';
import { finishWithPasskey } from '../api/finish-with-passkey';
import { usePendingSignIn } from '../api/get-pending-sign-in';
import { describePasskeyError } from '../api/passkey-errors';

/**
 * On the second-factor page, when the account has a passkey: "Use a
 * passkey" finishes the sign-in (amr pwd + hwk/swk + mfa) instead of a code.
 * Shown only once BFF 1 said the pending sign-in offers it.
 */
export function PasskeySecondFactor({ returnTo, loginLink, finish }: { returnTo: string | undefined; loginLink: To; finish: (redirectTo: string) => void }) {
  const pending = usePendingSignIn();
  const queryClient = useQueryClient();
  const passkey = useMutation({
    mutationFn: () => finishWithPasskey(returnTo),
    onSuccess: async (res) => {
      await queryClient.invalidateQueries({ queryKey: ['session'] });
      finish(res.redirectTo);
    },
  });
  if (!pending.data?.secondFactor.methods.includes('passkey')) return null;
  const over = (passkey.error as { code?: string } | null)?.code === 'SECOND_FACTOR_EXPIRED';
  return (
    <div className="passkey-second-factor">
      {/* Only when there is one: the code form below has the page's live region. */}
      {passkey.isError ? <Alert>{describePasskeyError(passkey.error)}</Alert> : null}
      {over ? (
        <p>
          <Link to={loginLink}>Sign in again</Link>
        </p>
      ) : null}
      <button className="button" type="button" disabled={passkey.isPending} onClick={() => passkey.mutate()}>
        {passkey.isPending ? 'Waiting for your passkey…' : 'Use a passkey'}
      </button>
      <p className="passkey-second-factor__or">or enter a code</p>
    </div>
  );
}
