import { Outlet } from 'react-router';
import { AppHeader, type AppHeaderProps } from './app-header';

/** Every page of both SPAs: skip link, mock-mode banner, the shared header, then the route. */
export function AppShell(props: AppHeaderProps) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {import.meta.env.MODE === 'mock' ? <p className="mock-banner">Mock mode: answers come from msw handlers, no BFF is running.</p> : null}
      <AppHeader {...props} />
      <Outlet />
    </>
  );
}
