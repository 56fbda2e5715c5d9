import { useLogout } from '../api/logout';

/** The header's sign-out: this browser's session, on every app. */
export function SignOutButton() {
  const logout = useLogout();
  return (
    <button className="button button--secondary button--small" type="button" onClick={() => logout.send({})} disabled={logout.isPending}>
      {logout.isPending ? 'Signing out…' : logout.isError ? 'Sign-out failed: retry' : 'Sign out'}
    </button>
  );
}
