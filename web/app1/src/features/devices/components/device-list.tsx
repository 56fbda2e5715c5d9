import type { DeviceSession } from '@sso/types';
import { Alert, Loading, describeError, formatDateTime } from '@sso/web-shared';
import { useEndDevices } from '../api/end-device';
import { useDevices } from '../api/get-devices';

/** "Chrome 156 on Linux", "Safari on iOS 18.1", or a plain fallback when the browser sent nothing to go by. */
export function deviceName(d: Pick<DeviceSession, 'browser' | 'os'>): string {
  if (d.browser && d.os) return `${d.browser} on ${d.os}`;
  return d.browser ?? d.os ?? 'Unknown browser';
}

const plural = (n: number) => (n === 1 ? '1 other device was' : `${n} other devices were`);


/** The account page's "Your devices": every live session of the account; sign out one, or all but this one. */
export function DeviceList() {
  const devices = useDevices();
  const end = useEndDevices();

  if (devices.isPending) return <Loading label="Loading your devices…" />;
  if (devices.isError) {
    return (
      <>
        <Alert>{describeError(devices.error)}</Alert>
        <div className="actions">
          <button className="button button--secondary" type="button" onClick={() => void devices.refetch()}>
            Try again
          </button>
        </div>
      </>
    );
  }

  const { sessions } = devices.data;
  const others = sessions.filter((d) => !d.current);
  const done = end.isSuccess ? (end.data.ended === 0 ? 'That device was already signed out.' : `${plural(end.data.ended)} signed out.`) : null;
  return (
    <>
      <Alert>{end.isError ? describeError(end.error) : null}</Alert>
      <Alert tone="success">{done}</Alert>
      <ul className="devices">
        {sessions.map((d) => {
          const detailsId = `device-${d.id}`;
          return (
            <li key={d.id} className="devices__item">
              <div className="devices__what">
                <span className="devices__name">{deviceName(d)}</span>
                {d.current ? <span className="badge">This device</span> : null}
              </div>
              <p className="devices__details" id={detailsId}>
                {d.address ?? 'Address unknown'} · signed in {formatDateTime(d.createdAt)} · last active {formatDateTime(d.lastActiveAt)}
              </p>
              {d.current ? null : (
                <button
                  className="button button--danger button--small"
                  type="button"
                  aria-describedby={detailsId}
                  aria-label={`End session: ${deviceName(d)}`}
                  disabled={end.isPending}
                  onClick={() => end.mutate({ id: d.id })}
                >
                  End session
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {others.length ? (
        <div className="actions">
          <button className="button button--danger" type="button" disabled={end.isPending} onClick={() => end.mutate({ allOthers: true })}>
            {end.isPending ? 'Signing out…' : 'Sign out all other devices'}
          </button>
        </div>
      ) : (
        <p className="note">No other device is signed in.</p>
      )}
    </>
  );
}
