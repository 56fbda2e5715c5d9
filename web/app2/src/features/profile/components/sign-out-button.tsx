import { useLogout } from '../api/logout';

export function SignOutButton({ className = 'button button--secondary button--small' }: { className?: string }) {
  const logout = useLogout();
  return (
    <button className={className} type="button" disabled={logout.isPending} onClick={() => logout.mutate()}>
      {logout.isPending ? 'Signing out…' : logout.isError ? 'Sign-out failed: retry' : 'Sign out'}
    </button>
  );
}
