import { lazy, Suspense, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate } from 'react-router';
import { Alert, Loading, Page, describeError, formatDateTime } from '@sso/web-shared';
import { config } from '../../config/env';
import { sessionEndedBecause, sessionQueryOptions, useSession } from '../../features/auth/api/get-session';
import { useKeepSessionAlive } from '../../features/auth/api/keep-session-alive';
import { ChangePasswordForm } from '../../features/auth/components/change-password-form';
import { ProfileSection } from '../../features/auth/components/profile-section';
import { SignOutEverywhereButton } from '../../features/auth/components/sign-out-everywhere-button';
import { DeviceList } from '../../features/devices/components/device-list';
// In the account page's chunk; the QR library is a further one, loaded only on set-up.
import { TwoStepSection } from '../../features/second-factor/components/two-step-section';
import { secondFactorStatusQueryOptions } from '../../features/second-factor/api/get-second-factor-status';
import { DeleteAccountSection } from '../../features/account-deletion/components/delete-account-section';
import { YourDataSection } from '../../features/account-deletion/components/your-data-section';

// From the step-up page's chunk, and only when a password change asks for it:
// a module shared by two lazy chunks makes rolldown split the first page (see routes.tsx).
const SecondFactorPrompt = lazy(async () => ({ default: (await import('./step-up')).SecondFactorPrompt }));
// @simplewebauthn/browser is a further chunk, loaded only when a passkey is added.
import { PasskeySection } from '../../features/passkeys/components/passkey-section';

/** /account: who you are, how long the session lasts, sign out, the other apps. */
export function AccountRoute() {
  const session = useSession();
  useKeepSessionAlive(session.data);
  // Shared with the two-step section (one query); asked once the session is known, so never before a renewal.
  const secondFactor = useQuery({ ...secondFactorStatusQueryOptions(), enabled: Boolean(session.data?.user) });
  const [deleted, setDeleted] = useState(false);
  const queryClient = useQueryClient();
  const onDeleted = () => {
    // Signed out here too (the header, the keep-alive): the account and its session are gone.
    queryClient.setQueryData(sessionQueryOptions().queryKey, null);
    setDeleted(true);
  };

  // Before the session check: the account is gone, and so is the session.
  if (deleted) {
    return (
      <Page title="Account deleted" appName={config.appName} narrow>
        <h1>Your account is deleted</h1>
        <p className="lead">You are signed out everywhere, and the apps of this domain delete what they kept about you.</p>
        <Link className="button button--secondary" to="/signup">
          Create a new account
        </Link>
      </Page>
    );
  }

  if (session.isPending) {
    return (
      <Page title="Your account" appName={config.appName}>
        <Loading label="Loading your account…" />
      </Page>
    );
  }
  if (session.isError) {
    return (
      <Page title="Your account" appName={config.appName}>
        <Alert>{describeError(session.error)}</Alert>
        <div className="actions">
          <button className="button" type="button" onClick={() => void session.refetch()}>
            Try again
          </button>
        </div>
      </Page>
    );
  }
  if (!session.data) {
    const ended = sessionEndedBecause();
    return <Navigate to={ended ? `/login?ended=${ended}` : '/login'} replace />;
  }

  const { user, session: s } = session.data;
  const otherApps = config.apps.filter((app) => app.origin !== window.location.origin);
  return (
    <Page title="Your account" appName={config.appName}>
      <h1>Hello, {user.name ?? user.username}</h1>
      <p className="lead">You are signed in on every app of this domain.</p>
      <div className="grid">
        <section className="card" aria-labelledby="profile-heading">
          <h2 id="profile-heading">Profile</h2>
          <ProfileSection user={user} />
        </section>
        <section className="card" aria-labelledby="session-heading">
          <h2 id="session-heading">This session</h2>
          <dl className="facts">
            <dt>Signed in</dt>
            <dd>{formatDateTime(s.createdAt)}</dd>
            <dt>Signed out if idle after</dt>
            <dd>{formatDateTime(s.idleExpiresAt)}</dd>
            <dt>Ends at the latest</dt>
            <dd>{formatDateTime(s.absoluteExpiresAt)}</dd>
          </dl>
          <SignOutEverywhereButton />
        </section>
      </div>
      <section className="card" aria-labelledby="devices-heading">
        <h2 id="devices-heading">Your devices</h2>
        <p className="lead">Every browser where your account is signed in. Sign out one you do not recognise, or every one but this.</p>
        <DeviceList />
      </section>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <p className="lead">Changing it signs you out on every other device.</p>
        <ChangePasswordForm
          confirm={(methods, done) => (
            <Suspense fallback={<Loading label="Loading…" />}>
              <SecondFactorPrompt methods={methods} submitLabel="Confirm and change" onDone={done} />
            </Suspense>
          )}
        />
      </section>
      <TwoStepSection />
      <PasskeySection
        confirm={(methods, done) => (
          <Suspense fallback={<Loading label="Loading…" />}>
            <SecondFactorPrompt methods={methods} submitLabel="Confirm and remove" onDone={done} />
          </Suspense>
        )}
      />
      {otherApps.length ? (
        <section className="card" aria-labelledby="apps-heading">
          <h2 id="apps-heading">Your apps</h2>
          <p>You are already signed in there too.</p>
          <div className="actions">
            {otherApps.map((app) => (
              <a key={app.origin} className="button button--secondary" href={`${app.origin}/`}>
                Open {app.name} →
              </a>
            ))}
          </div>
        </section>
      ) : null}
      <YourDataSection />
      <DeleteAccountSection needsCode={secondFactor.data?.totp.enabled === true} onDeleted={onDeleted} />
    </Page>
  );
}
