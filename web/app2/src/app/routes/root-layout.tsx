import { Outlet } from 'react-router';
import { AppHeader } from '@sso/web-shared';
import { config } from '../../config/env';
import { useMe } from '../../features/profile/api/get-me';
import { SignOutButton } from '../../features/profile/components/sign-out-button';

export function RootLayout() {
  const me = useMe();
  const user = me.data?.user ?? null;
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
