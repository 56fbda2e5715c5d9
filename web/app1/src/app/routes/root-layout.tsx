import { AppShell } from '@sso/web-shared';
import { config } from '../../config/env';
import { useSession } from '../../features/auth/api/get-session';
import { SignOutButton } from '../../features/auth/components/sign-out-button';

export function RootLayout() {
  const user = useSession().data?.user ?? null;
  return <AppShell config={config} user={user} actions={user ? <SignOutButton /> : null} />;
}
