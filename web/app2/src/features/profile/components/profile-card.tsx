import type { LocalUser } from '@sso/types';
import { Alert, ProfileFacts, formatDateTime } from '@sso/web-shared';
import { useFirstSight } from '../use-first-sight';

export function ProfileCard({ user, groups }: { user: LocalUser; groups: readonly string[] }) {
  const display = user.name ?? user.username;
  const firstSight = useFirstSight(user);
  return (
    <>
      {firstSight ? (
        <Alert tone="success">
          Welcome! Your App 2 account was created just now from your single sign-on identity. Nothing to fill in.
        </Alert>
      ) : null}
      <section className="card" aria-labelledby="profile-heading">
        <div className="profile-hero">
          <span className="profile-hero__avatar" aria-hidden="true">
            {display.slice(0, 1).toUpperCase()}
          </span>
          <div>
            <h2 id="profile-heading">{display}</h2>
            <span className="badge">Signed in with single sign-on</span>
          </div>
        </div>
        <ProfileFacts user={user}>
          <dt>Groups</dt>
          <dd>
            {groups.length ? (
              <ul className="tags" aria-label="Your groups">
                {groups.map((g) => (
                  <li key={g} className="badge">
                    {g}
                  </li>
                ))}
              </ul>
            ) : (
              'None'
            )}
          </dd>
          <dt>Last seen</dt>
          <dd>{formatDateTime(user.lastSeenAt)}</dd>
          <dt>App 2 user id</dt>
          <dd>
            <code>{user.id}</code>
          </dd>
        </ProfileFacts>
      </section>
    </>
  );
}
