import { AppShell } from '@sso/web-shared';
import { config } from '../../config/env';
import { useMe } from '../../features/profile/api/get-me';
import { SignOutButton } from '../../features/profile/components/sign-out-button';

export function RootLayout() {
  const user = useMe().data?.user ?? null;
  return <AppShell config={config} user={user} actions={user ? <SignOutButton /> : null} />;
}
