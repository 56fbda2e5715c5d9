import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

async function signIn(username = 'demo', password = 'demo-password') {
  await userEvent.type(await screen.findByLabelText('Username'), username);
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('check-your-inbox page (SSO_REQUIRE_VERIFIED_EMAIL)', () => {
  it('sign-in of an unverified account lands here, not signed in; the resend shows loading, then sent', async () => {
    resetMockDb('verify-required');
    server.use(
      http.post('*/api/email/verification', async () => {
        await delay(150);
        return undefined;
      }),
    );
    const { router } = renderRoutes(routes, '/login');
    await signIn();
    expect(await screen.findByRole('heading', { name: 'Check your inbox' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/check-inbox');
    // The address travels in history state, never in the URL.
    expect(router.state.location.search).toBe('');
    expect(screen.getByText('demo@example.test')).toBeInTheDocument();
    expect(mockDb.signedInUserId).toBe(null);
    await userEvent.click(screen.getByRole('button', { name: 'Send the link again' }));
    expect(await screen.findByRole('button', { name: 'Sending…' })).toBeDisabled();
    expect(await screen.findByText(/A new link is on its way to/)).toBeInTheDocument();
  });

  it('throttled: says how long to wait', async () => {
    resetMockDb('verify-required');
    server.use(http.post('*/api/email/verification', () => problem('RATE_LIMITED', { retryAfter: 600 })));
    renderRoutes(routes, '/login');
    await signIn();
    await userEvent.click(await screen.findByRole('button', { name: 'Send the link again' }));
    expect(await screen.findByText(/We sent several links already\. Try again in 10 minutes\./)).toBeInTheDocument();
  });

  it('the step expired: says to sign in again', async () => {
    resetMockDb('verify-required');
    renderRoutes(routes, '/login');
    await signIn();
    await screen.findByRole('heading', { name: 'Check your inbox' });
    mockDb.pendingVerification = null;
    await userEvent.click(screen.getByRole('button', { name: 'Send the link again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Sign in again');
  });

  it('"Wrong address?" sends the link to another address', async () => {
    resetMockDb('verify-required');
    renderRoutes(routes, '/login');
    await signIn();
    await userEvent.click(await screen.findByRole('button', { name: 'Wrong address?' }));
    await userEvent.type(screen.getByLabelText('Send the link to this address instead'), 'right@example.test');
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect(await screen.findByText(/A link is on its way to/)).toHaveTextContent('right@example.test');
    expect(mockDb.emailTokens.get('chg_mock-demo')?.email).toBe('right@example.test');
  });

  it('an account without an address is asked for one', async () => {
    resetMockDb('verify-required');
    mockDb.users.get('demo')!.account.email = null;
    renderRoutes(routes, '/login');
    await signIn();
    expect(await screen.findByText(/your account has none yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect(await screen.findByText('Enter a valid email address.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Your email address'), 'found@example.test');
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect(await screen.findByText(/A link is on its way to/)).toHaveTextContent('found@example.test');
  });

  it('sign-up lands here too, and the email field is required', async () => {
    resetMockDb('verify-required');
    renderRoutes(routes, '/signup');
    const form = await screen.findByRole('button', { name: 'Create account' });
    await userEvent.type(screen.getByLabelText('Username'), 'newbie');
    await userEvent.type(screen.getByLabelText('Email (optional)'), 'newbie@example.test');
    await userEvent.type(screen.getByLabelText('Password'), 'a long enough passphrase');
    await userEvent.click(form);
    const heading = await screen.findByRole('heading', { name: 'Check your inbox' });
    expect(within(heading.closest('main')!).getByText('newbie@example.test')).toBeInTheDocument();
    expect(mockDb.signedInUserId).toBe(null);
  });
});
