import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockDb, renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { MOCK_STATE_COOKIE, loadMockState, saveMockState } from '@sso/web-shared/mock-state';
import { routes } from '../routes';

/** What each `npm run dev:mock` scenario shows on the app 1 page it lands on. */
afterEach(() => {
  document.cookie = `${MOCK_STATE_COOKIE}=; Path=/; Max-Age=0`;
});

async function signIn() {
  await userEvent.type(await screen.findByLabelText('Username'), 'demo');
  await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('mock scenarios on app 1', () => {
  it('throttled: lands on the sign-in form, signed out, and a sign-in attempt shows when to try again', async () => {
    resetMockDb('throttled');
    const { router } = renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.queryByText(/You are signed in as/)).not.toBeInTheDocument();
    await signIn();
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts. Try again in 42 seconds.');
  });

  it('unavailable: the session cannot be checked, so the page shows the error and a retry, not the account', async () => {
    resetMockDb('unavailable');
    renderRoutes(routes, '/account');
    expect(await screen.findByRole('alert', {}, { timeout: 6000 })).toHaveTextContent("Can't reach the server.");
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: /Hello/ })).not.toBeInTheDocument();
  });

  it('expired: the account shows after exactly one renewal', async () => {
    resetMockDb('expired');
    renderRoutes(routes, '/account');
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    expect(mockDb.renewals).toBe(1);
  });

  it('signed-out, started on app 2: app 1 takes up the shared state and shows the form, not "signed in as"', async () => {
    resetMockDb('signed-out');
    saveMockState(); // what app 2's page left in the shared mock cookie
    resetMockDb('default'); // app 1's page starts with its own (signed-in) memory...
    loadMockState(); // ...and reads the shared state
    renderRoutes(routes, '/login?returnTo=http%3A%2F%2Fapp2.sso.localhost%3A5172%2F');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(/You are signed in as/)).not.toBeInTheDocument();
  });
});
