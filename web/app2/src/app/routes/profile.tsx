import { useEffect } from 'react';
import { Link } from 'react-router';
import { Alert, Loading, Page, describeError, isSignedOutError, loginUrl, navigation, sessionEndReason } from '@sso/web-shared';
import { config } from '../../config/env';
import { useKeepSessionAlive, useMe } from '../../features/profile/api/get-me';
import { ProfileCard } from '../../features/profile/components/profile-card';
import { SignOutButton } from '../../features/profile/components/sign-out-button';

/** `/`: the profile app 2 keeps for the signed-in user. Signed-out visitors go to app 1's sign-in and come back. */
export function ProfileRoute() {
  const me = useMe();
  useKeepSessionAlive(me.data);
  // Renewal at app 1 already failed: the session is over (or never was).
  const mustSignIn = me.isError && isSignedOutError(me.error);
  const ended = mustSignIn ? sessionEndReason(me.error) : null;

  useEffect(() => {
    if (mustSignIn) navigation.assign(loginUrl(config.identityOrigin, window.location.href, ended));
  }, [mustSignIn, ended]);

  if (me.isPending) {
    return (
      <Page title="Your profile" appName={config.appName}>
        <Loading label="Signing you in with single sign-on…" />
      </Page>
    );
  }
  if (mustSignIn) {
    return (
      <Page title="Sign in required" appName={config.appName}>
        <Loading label="Taking you to sign in…" />
      </Page>
    );
  }
  if (me.isError) {
    return (
      <Page title="Your profile" appName={config.appName}>
        <h1>We could not load your profile</h1>
        <Alert>{describeError(me.error)}</Alert>
        <div className="actions">
          <button className="button" type="button" onClick={() => void me.refetch()} disabled={me.isFetching}>
            {me.isFetching ? 'Trying again…' : 'Try again'}
          </button>
        </div>
      </Page>
    );
  }
  return (
    <Page title="Your profile" appName={config.appName}>
      <h1>Your profile</h1>
      <p className="lead">App 2 knows you through the identity app: you signed in once, there.</p>
      <ProfileCard user={me.data.user} groups={me.data.groups} />
      <div className="actions">
        <a className="button button--secondary" href={`${config.identityOrigin}/account`}>
          Manage your account
        </a>
        <Link className="button button--secondary" to="/security">
          Security settings
        </Link>
        <SignOutButton className="button button--danger" />
      </div>
    </Page>
  );
}
