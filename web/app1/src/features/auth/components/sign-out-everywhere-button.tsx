import { Alert, describeError } from '@sso/web-shared';
import { useLogout } from '../api/logout';

/** The account page's stronger sign-out: every session of the account, on every device (the header signs out this browser). */
export function SignOutEverywhereButton() {
  const logout = useLogout();
  return (
    <>
      <Alert>{logout.isError ? describeError(logout.error) : null}</Alert>
      <p className="note">Lost a device? Signing out everywhere ends every session of your account, this one included.</p>
      <div className="actions">
        <button className="button button--danger" type="button" onClick={() => logout.send({ everywhere: true })} disabled={logout.isPending}>
          {logout.isPending ? 'Signing out everywhere…' : 'Sign out everywhere'}
        </button>
      </div>
    </>
  );
}
