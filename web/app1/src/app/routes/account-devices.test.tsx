import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, problem, renderRoutes, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

const devicesRegion = () => screen.findByRole('region', { name: 'Your devices' });

describe('account page: your devices', () => {
  it('lists this device first, marked, and the other devices with browser, OS, address and times', async () => {
    renderRoutes(routes, '/account');
    const region = await devicesRegion();
    const items = await within(region).findAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringMatching(/^Chrome 156 on LinuxThis device127\.0\.0\.1 · signed in .* · last active /),
      expect.stringMatching(/^Safari 18 on iOS 18\.1198\.51\.100\.23 · signed in /),
      expect.stringMatching(/^Firefox 140 on Windows 10203\.0\.113\.7 · signed in /),
    ]);
    // This device is signed out from the header, not from the list.
    expect(within(items[0]!).queryByRole('button')).not.toBeInTheDocument();
    expect(within(items[1]!).getByRole('button', { name: 'End session: Safari 18 on iOS 18.1' })).toHaveAccessibleDescription(/198\.51\.100\.23/);
  });

  it('ends one other device: the request names it, the list loses it and says so', async () => {
    let sent: unknown;
    server.use(
      http.post('*/api/account/sessions/end', async ({ request }) => {
        sent = await request.clone().json();
        return undefined;
      }),
    );
    renderRoutes(routes, '/account');
    const region = await devicesRegion();
    await userEvent.click(await within(region).findByRole('button', { name: 'End session: Safari 18 on iOS 18.1' }));
    expect(await within(region).findByText('1 other device was signed out.')).toBeInTheDocument();
    expect(sent).toEqual({ id: 'ses_mock_phone' });
    await waitFor(() => expect(within(region).getAllByRole('listitem')).toHaveLength(2));
    expect(within(region).queryByText(/Safari 18/)).not.toBeInTheDocument();
    expect(mockDb.otherDevices.map((d) => d.id)).toEqual(['ses_mock_laptop']);
  });

  it('"Sign out all other devices" leaves only this device', async () => {
    renderRoutes(routes, '/account');
    const region = await devicesRegion();
    await userEvent.click(await within(region).findByRole('button', { name: 'Sign out all other devices' }));
    expect(await within(region).findByText('2 other devices were signed out.')).toBeInTheDocument();
    expect(await within(region).findByText('No other device is signed in.')).toBeInTheDocument();
    expect(within(region).getAllByRole('listitem')).toHaveLength(1);
    expect(within(region).queryByRole('button', { name: 'Sign out all other devices' })).not.toBeInTheDocument();
    // The account itself stays signed in here.
    expect(screen.getByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
  });

  it('a device already gone (404) says so and the list is fetched again', async () => {
    renderRoutes(routes, '/account');
    const region = await devicesRegion();
    const button = await within(region).findByRole('button', { name: 'End session: Firefox 140 on Windows 10' });
    // Meanwhile it was ended elsewhere.
    mockDb.otherDevices = mockDb.otherDevices.filter((d) => d.id !== 'ses_mock_laptop');
    await userEvent.click(button);
    expect(await within(region).findByRole('alert')).toHaveTextContent(/./);
    await waitFor(() => expect(within(region).queryByText(/Firefox 140/)).not.toBeInTheDocument());
  });

  it('shows an error with a retry when the list cannot be loaded', async () => {
    let fail = true;
    server.use(http.get('*/api/account/sessions', () => (fail ? problem('STORE_UNAVAILABLE') : undefined)));
    renderRoutes(routes, '/account');
    const region = await devicesRegion();
    expect(await within(region).findByRole('alert')).toHaveTextContent(/./);
    fail = false;
    await userEvent.click(within(region).getByRole('button', { name: 'Try again' }));
    expect(await within(region).findAllByRole('listitem')).toHaveLength(3);
  });
});
