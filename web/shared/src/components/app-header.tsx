import type { ReactNode } from 'react';
import type { ClientConfig } from '@sso/types';

export interface AppHeaderProps {
  config: ClientConfig;
  /** Who is signed in, when known. */
  user?: { username: string; name: string | null } | null;
  /** Sign-out control, rendered beside the user. */
  actions?: ReactNode;
}

/** The header both apps share: this app's name, links to the other apps, the signed-in user. */
export function AppHeader({ config, user, actions }: AppHeaderProps) {
  const here = typeof window !== 'undefined' ? window.location.origin : '';
  // The brand already names this app: the nav lists only the others.
  const others = config.apps.filter((app) => app.origin !== here && app.name !== config.appName);
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <a className="app-header__brand" href="/">
          <span className="app-header__logo" aria-hidden="true">◆</span>
          {config.appName}
        </a>
        {others.length ? (
          <nav aria-label="Other apps on this domain" className="app-header__apps">
            <ul>
              {others.map((app) => (
                <li key={app.origin}>
                  <a href={`${app.origin}/`}>{app.name}</a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <div className="app-header__user">
          {user ? (
            <span className="app-header__who" title={user.username}>
              <span className="app-header__avatar" aria-hidden="true">{(user.name ?? user.username).slice(0, 1).toUpperCase()}</span>
              <span className="visually-hidden">Signed in as </span>
              <span className="app-header__name">{user.name ?? user.username}</span>
            </span>
          ) : null}
          {actions}
        </div>
      </div>
    </header>
  );
}
