import { Alert, describeError } from '@sso/web-shared';
import { useLogout } from '../api/logout';

/** The account page's choice: sign out of this browser, or of every session of the account. */
export function SignOutButtons() {
  const logout = useLogout();
  const signOut = (everywhere: boolean) => logout.mutate({ everywhere });
  return (
    <>
      <Alert>{logout.isError ? describeError(logout.error) : null}</Alert>
      <div className="actions">
        <button className="button button--secondary" type="button" onClick={() => signOut(false)} disabled={logout.isPending}>
          {logout.isPending ? 'Signing out…' : 'Sign out'}
        </button>
        <button className="button button--danger" type="button" onClick={() => signOut(true)} disabled={logout.isPending}>
          Sign out everywhere
        </button>
      </div>
    </>
  );
}
