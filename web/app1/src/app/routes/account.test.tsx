import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
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

  it('sends a signed-out visitor to the sign-in page', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
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
    const session = await screen.findByRole('region', { name: 'This session' });
    await userEvent.click(within(session).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You are signed out on every app.')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.queryByText('Demo User')).not.toBeInTheDocument();

    // Still said after a look at the sign-up page, until the next sign-in.
    await userEvent.click(screen.getByRole('link', { name: 'Create an account' }));
    await userEvent.click(await screen.findByRole('link', { name: 'Sign in' }));
    expect(await screen.findByText('You are signed out on every app.')).toBeInTheDocument();
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
