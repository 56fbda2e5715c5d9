import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountExportSchema } from '@sso/types';
import { mockDb, problem, renderRoutes, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

const deleteRegion = () => screen.findByRole('region', { name: 'Delete account' });
const dataRegion = () => screen.findByRole('region', { name: 'Your data' });

describe('account page: delete account', () => {
  it('asks for confirmation with the password; Cancel closes it and nothing is sent', async () => {
    let sent = 0;
    server.use(http.post('*/api/account/delete', () => void sent++));
    renderRoutes(routes, '/account');
    const region = await deleteRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Delete account…' }));
    const confirm = within(region).getByRole('group', { name: 'Delete your account for good?' });
    expect(within(confirm).getByLabelText('Your password')).toBeInTheDocument();
    expect(within(confirm).queryByLabelText(/authenticator/)).not.toBeInTheDocument();
    await userEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(within(region).queryByRole('group')).not.toBeInTheDocument();
    await waitFor(() => expect(within(region).getByRole('button', { name: 'Delete account…' })).toHaveFocus());
    expect(sent).toBe(0);
  });

  it('an empty password is caught before sending; a wrong one shows on the field and the account stays', async () => {
    renderRoutes(routes, '/account');
    const region = await deleteRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Delete account…' }));
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(within(region).getByLabelText('Your password')).toHaveAccessibleDescription('Enter your password.');
    await userEvent.type(within(region).getByLabelText('Your password'), 'not my password');
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(await within(region).findByText('Your password is wrong. Check it and try again.')).toBeInTheDocument();
    expect(within(region).getByLabelText('Your password')).toHaveAccessibleDescription('The password is wrong.');
    expect(mockDb.users.has('demo')).toBe(true);
  });

  it('deletes with the right password: sends it, and the page says the account is gone', async () => {
    let sent: unknown;
    server.use(
      http.post('*/api/account/delete', async ({ request }) => {
        sent = await request.clone().json();
        return undefined;
      }),
    );
    renderRoutes(routes, '/account');
    const region = await deleteRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Delete account…' }));
    await userEvent.type(within(region).getByLabelText('Your password'), 'demo-password');
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(await screen.findByRole('heading', { name: 'Your account is deleted' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Create a new account' })).toHaveAttribute('href', '/signup');
    expect(sent).toEqual({ password: 'demo-password' });
    expect(mockDb.users.has('demo')).toBe(false);
    expect(mockDb.signedInUserId).toBeNull();
    // The header no longer offers the account or a sign-out.
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
  });

  it('with two-step sign-in on, it also asks for a code; a wrong one shows on the code field', async () => {
    mockDb.totpEnabled.set('usr_demo', ['mock-code-0001-abcd']);
    renderRoutes(routes, '/account');
    const region = await deleteRegion();
    // The status comes with the two-step section: wait until it says the app is on.
    await screen.findByText(/recovery codes left/i);
    await userEvent.click(within(region).getByRole('button', { name: 'Delete account…' }));
    const code = within(region).getByLabelText('Code from your authenticator app, or a recovery code');
    await userEvent.type(within(region).getByLabelText('Your password'), 'demo-password');
    await userEvent.type(code, '000000');
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(await within(region).findByText('That code is not valid.', { selector: '.alert' })).toBeInTheDocument();
    await userEvent.clear(code);
    await userEvent.type(code, 'mock-code-0001-abcd');
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(await screen.findByRole('heading', { name: 'Your account is deleted' })).toBeInTheDocument();
  });

  it('a failure it cannot pin on a field (throttled) is shown, and the form stays', async () => {
    server.use(http.post('*/api/account/delete', () => problem('RATE_LIMITED', { detail: 'Too many attempts. Try again later.', retryAfter: 60 })));
    renderRoutes(routes, '/account');
    const region = await deleteRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Delete account…' }));
    await userEvent.type(within(region).getByLabelText('Your password'), 'demo-password');
    await userEvent.click(within(region).getByRole('button', { name: 'Delete my account' }));
    expect(await within(region).findByRole('alert')).toHaveTextContent(/./);
    expect(within(region).getByRole('button', { name: 'Delete my account' })).toBeEnabled();
  });
});

describe('account page: groups', () => {
  it('the profile lists the groups an operator put the account in', async () => {
    renderRoutes(routes, '/account');
    const profile = await screen.findByRole('region', { name: 'Profile' });
    expect(within(profile).getByText('Groups').nextElementSibling).toHaveTextContent('staff');
  });
});

describe('account page: download my data', () => {
  let saved: Blob[];
  let names: string[];
  beforeEach(() => {
    saved = [];
    names = [];
    // jsdom has no object URLs and does not download: record what would be saved.
    URL.createObjectURL = vi.fn((blob: Blob) => {
      saved.push(blob);
      return 'blob:mock';
    });
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('saves the export as account-<username>.json, as the server answered it', async () => {
    renderRoutes(routes, '/account');
    const region = await dataRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Download my data' }));
    expect(await within(region).findByText('Your data was downloaded.')).toBeInTheDocument();
    expect(names).toEqual(['account-demo.json']);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader(); // jsdom's Blob has no text()
      reader.onload = () => resolve(reader.result as string);
      reader.readAsText(saved[0]!);
    });
    const data = AccountExportSchema.parse(JSON.parse(text));
    expect(data.account).toMatchObject({ username: 'demo', groups: ['staff'] });
    expect(data.sessions).toHaveLength(1);
  });

  it('shows an error when the export fails, and saves nothing', async () => {
    server.use(http.get('*/api/account/export', () => problem('STORE_UNAVAILABLE')));
    renderRoutes(routes, '/account');
    const region = await dataRegion();
    await userEvent.click(within(region).getByRole('button', { name: 'Download my data' }));
    expect(await within(region).findByRole('alert')).toHaveTextContent(/./);
    expect(names).toEqual([]);
  });
});
