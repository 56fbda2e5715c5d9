import { Outlet } from 'react-router';
import { AppHeader } from '@sso/web-shared';
import { config } from '../../config/env';
import { useSession } from '../../features/auth/api/get-session';
import { SignOutButton } from '../../features/auth/components/sign-out-button';

export function RootLayout() {
  const session = useSession();
  const user = session.data?.user ?? null;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {import.meta.env.MODE === 'mock' ? <p className="mock-banner">Mock mode: answers come from msw handlers, no BFF is running.</p> : null}
      <AppHeader config={config} user={user} actions={user ? <SignOutButton /> : null} />
      <Outlet />
    </>
  );
}
