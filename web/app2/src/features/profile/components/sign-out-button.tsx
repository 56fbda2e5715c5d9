import { useSignOut } from '../api/sign-out';

export function SignOutButton({ className = 'button button--secondary button--small' }: { className?: string }) {
  const signOut = useSignOut();
  return (
    <button className={className} type="button" disabled={signOut.isPending} onClick={() => signOut.mutate()}>
      {signOut.isPending ? 'Signing out…' : signOut.isError ? 'Sign-out failed: retry' : 'Sign out'}
    </button>
  );
}
