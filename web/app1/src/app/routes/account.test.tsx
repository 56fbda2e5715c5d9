import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

describe('account page', () => {
  it('shows who is signed in, the session and a link to the other app', async () => {
    renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    const profile = screen.getByRole('region', { name: 'Profile' });
    expect(within(profile).getByText('demo@example.test')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'This session' })).toHaveTextContent('Ends at the latest');
    expect(screen.getByRole('link', { name: 'Open App 2 →' })).toHaveAttribute('href', 'http://app2.sso.localhost:5172/');
    expect(document.title).toBe('Your account · Identity');
  });

  it('sends a signed-out visitor to the sign-in page, with nothing to renew', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe('');
    expect(mockDb.renewals).toBe(0);
  });

  it('refreshes an expired token once and shows the account', async () => {
    resetMockDb('expired');
    let refreshes = 0;
    server.use(
      http.post('*/api/session/refresh', () => {
        refreshes++;
        return undefined;
      }),
    );
    renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    expect(refreshes).toBe(1);
  });

  it('signs out and says so on the sign-in page', async () => {
    const { router } = renderRoutes(routes, '/account');
    await screen.findByRole('region', { name: 'This session' });
    await userEvent.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You are signed out on every app.')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.queryByText('Demo User')).not.toBeInTheDocument();

    // Still said after a look at the sign-up page, until the next sign-in.
    await userEvent.click(screen.getByRole('link', { name: 'Create an account' }));
    await userEvent.click(await screen.findByRole('link', { name: 'Sign in' }));
    expect(await screen.findByText('You are signed out on every app.')).toBeInTheDocument();
  });

  it('offers one sign-out in the header and only "Sign out everywhere" on the session card', async () => {
    renderRoutes(routes, '/account');
    const session = await screen.findByRole('region', { name: 'This session' });
    expect(screen.getAllByRole('button', { name: 'Sign out' })).toHaveLength(1);
    expect(within(screen.getByRole('banner')).getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
    expect(within(session).queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
    expect(within(session).getByRole('button', { name: 'Sign out everywhere' })).toBeInTheDocument();
  });

  it.each([
    [4, 'You are signed out on every app. 3 other devices were signed out.'],
    [2, 'You are signed out on every app. 1 other device was signed out.'],
    [1, 'You are signed out on every app. No other device was signed in.'],
  ])('after signing out everywhere (%i sessions ended), the sign-in page says how many other devices', async (revokedSessions, message) => {
    let everywhere: unknown;
    server.use(
      http.post('*/api/logout', async ({ request }) => {
        everywhere = ((await request.json()) as { everywhere?: boolean }).everywhere;
        mockDb.signedInUserId = null;
        mockDb.token = 'absent';
        return HttpResponse.json({ signedOut: true, revokedSessions });
      }),
    );
    const { router } = renderRoutes(routes, '/account');
    const session = await screen.findByRole('region', { name: 'This session' });
    await userEvent.click(within(session).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(everywhere).toBe(true);
    expect(router.state.location.pathname).toBe('/login');
  });

  it.each([
    [0, 'Password changed.'],
    [1, 'Password changed. 1 other device was signed out.'],
    [3, 'Password changed. 3 other devices were signed out.'],
  ])('after a password change with %i other sessions, says how many devices were signed out', async (revokedSessions, message) => {
    server.use(
      http.post('*/api/account/password', () =>
        HttpResponse.json({
          user: { id: 'usr_demo', username: 'demo', email: 'demo@example.test', emailVerified: false, name: 'Demo User', createdAt: '2026-01-01T00:00:00.000Z', groups: [] },
          revokedSessions,
        }),
      ),
    );
    renderRoutes(routes, '/account');
    const section = await screen.findByRole('region', { name: 'Password' });
    await userEvent.type(within(section).getByLabelText('Current password'), 'demo-password');
    await userEvent.type(within(section).getByLabelText('New password'), 'a brand new password');
    await userEvent.click(within(section).getByRole('button', { name: 'Change password' }));
    expect((await within(section).findByRole('status')).textContent).toBe(message);
  });

  it('shows and hides each password of the change-password form', async () => {
    renderRoutes(routes, '/account');
    const section = await screen.findByRole('region', { name: 'Password' });
    const current = within(section).getByLabelText('Current password');
    const toggle = within(section).getByRole('button', { name: 'Show current password' });
    expect(current).toHaveAttribute('type', 'password');
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(toggle);
    expect(current).toHaveAttribute('type', 'text');
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(toggle).toHaveAccessibleName('Hide current password');
    // Each field has its own toggle.
    expect(within(section).getByLabelText('New password')).toHaveAttribute('type', 'password');
    await userEvent.click(within(section).getByRole('button', { name: 'Show new password' }));
    expect(within(section).getByLabelText('New password')).toHaveAttribute('type', 'text');
  });

  it('makes "Change password" the form\'s primary action', async () => {
    renderRoutes(routes, '/account');
    const section = await screen.findByRole('region', { name: 'Password' });
    expect(within(section).getByRole('button', { name: 'Change password' })).toHaveClass('button', { exact: true });
  });

  it('changes the password, and shows a wrong current password on its field', async () => {
    renderRoutes(routes, '/account');
    const section = await screen.findByRole('region', { name: 'Password' });
    await userEvent.type(within(section).getByLabelText('Current password'), 'not it');
    await userEvent.type(within(section).getByLabelText('New password'), 'a brand new password');
    await userEvent.click(within(section).getByRole('button', { name: 'Change password' }));
    expect(await within(section).findByText('The current password is wrong.', { selector: '.field__error' })).toBeInTheDocument();
    expect(within(section).getByLabelText('Current password')).toHaveFocus();
    expect(within(section).getByRole('alert')).toHaveTextContent('Your current password is wrong.');
    expect(within(section).getByRole('alert')).not.toHaveTextContent(/username/i);

    await userEvent.clear(within(section).getByLabelText('Current password'));
    await userEvent.type(within(section).getByLabelText('Current password'), 'demo-password');
    await userEvent.clear(within(section).getByLabelText('New password'));
    await userEvent.type(within(section).getByLabelText('New password'), 'a brand new password');
    await userEvent.click(within(section).getByRole('button', { name: 'Change password' }));
    expect(await within(section).findByText(/Password changed\./)).toBeInTheDocument();
  });

  it.each([
    ['a common password', 'demo-password', 'Sunshine', 'This password is too common'],
    ['the current password again', 'demo-password', 'demo-password', 'Choose a new password, not your current one.'],
  ])('refuses %s as the new password, on the new-password field', async (_name, current, next, message) => {
    renderRoutes(routes, '/account');
    const section = await screen.findByRole('region', { name: 'Password' });
    await userEvent.type(within(section).getByLabelText('Current password'), current);
    await userEvent.type(within(section).getByLabelText('New password'), next);
    await userEvent.click(within(section).getByRole('button', { name: 'Change password' }));
    expect(await within(section).findByRole('alert')).toHaveTextContent('Some fields need attention.');
    const field = within(section).getByLabelText('New password');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(field).toHaveFocus();
    expect(within(section).getByLabelText('Current password')).not.toHaveAttribute('aria-invalid');
    expect(within(section).queryByText(/Password changed\./)).not.toBeInTheDocument();
  });

  it('offers a retry when the server fails', async () => {
    server.use(http.get('*/api/session', () => problem('STORE_UNAVAILABLE')));
    renderRoutes(routes, '/account');
    expect(await screen.findByRole('alert')).toHaveTextContent('We could not save that just now.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  describe('sessions that last', () => {
    it('with no domain cookie left renews through the refresh cookie and shows the account, not the form', async () => {
      resetMockDb('cookie-gone');
      const { router } = renderRoutes(routes, '/account');
      expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
      expect(mockDb.renewals).toBe(1);
      expect(router.state.location.pathname).toBe('/account');
    });

    it('when the session ended, shows the form with one line saying why', async () => {
      resetMockDb('session-ended');
      const { router } = renderRoutes(routes, '/account');
      expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
      expect(await screen.findByRole('status')).toHaveTextContent('You were signed out after 30 minutes without activity.');
      expect(router.state.location.search).toBe('?ended=idle');
    });

    it('an open account page renews before the token expires', async () => {
      mockDb.tokenExpiresAt = new Date(Date.now() + 5_300).toISOString();
      renderRoutes(routes, '/account');
      expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
      await waitFor(() => expect(mockDb.renewals).toBe(1), { timeout: 3_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(mockDb.renewals).toBe(1);
    });
  });
});
