import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { MOCK_RESET_TOKEN } from '@sso/web-shared/testing-db';
import { routes } from '../routes';
import { tokenFromHash } from './reset-password';

const NEW_PASSWORD = 'a brand new passphrase';

async function setPassword(password: string) {
  await userEvent.type(await screen.findByLabelText('New password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Set new password' }));
}

describe('tokenFromHash', () => {
  it('reads the token from the fragment only', () => {
    expect(tokenFromHash('#token=rst_abc')).toBe('rst_abc');
    expect(tokenFromHash('token=rst_abc')).toBe('rst_abc');
    expect(tokenFromHash('#other=1')).toBeNull();
    expect(tokenFromHash('#token=')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });
});

describe('reset-password page', () => {
  it('moves the token from the address into memory at once, then sets the password with it', async () => {
    resetMockDb('signed-out');
    let sent: unknown;
    server.events.on('request:start', async ({ request }) => {
      if (new URL(request.url).pathname === '/api/password/reset') sent = await request.clone().json();
    });
    const { router } = renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    expect(await screen.findByRole('heading', { name: 'Choose a new password' })).toBeInTheDocument();
    // Gone from the address before anything is typed: not in history, bookmarks or a shared screen.
    // (the effect runs just after the first render: wait for it rather than race it)
    await waitFor(() => expect(router.state.location.hash).toBe(''));
    expect(router.state.location.pathname).toBe('/reset-password');
    await setPassword(NEW_PASSWORD);
    // ADR 020: the sign-in form, the username filled in, the password field focused.
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByRole('status')).toHaveTextContent('Your password was changed and every session of demo was signed out, on every app.');
    expect(screen.getByLabelText('Username')).toHaveValue('demo');
    expect(screen.getByLabelText('Password')).toHaveFocus();
    expect(sent).toEqual({ token: MOCK_RESET_TOKEN, password: NEW_PASSWORD });
    expect(mockDb.users.get('demo')!.password).toBe(NEW_PASSWORD);
    server.events.removeAllListeners();

    await userEvent.type(screen.getByLabelText('Password'), NEW_PASSWORD);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
  });

  it('a browser that was signed in to the account lands on the form too, not on the account page (its session ended)', async () => {
    resetMockDb('default');
    const { router } = renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword(NEW_PASSWORD);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByLabelText('Username')).toHaveValue('demo');
  });

  it('keeps the link working when the password is refused (common password on its field)', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword('Password123');
    const field = screen.getByLabelText('New password');
    await screen.findByRole('alert');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining('This password is too common'));
    expect(mockDb.usedResetTokens.has(MOCK_RESET_TOKEN)).toBe(false);
    await userEvent.clear(field);
    await setPassword(NEW_PASSWORD);
    expect(await screen.findByText(/Your password was changed/)).toBeInTheDocument();
  });

  it('validates the password with the shared schema before calling the server', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword('short');
    expect(await screen.findByText('Use at least 8 characters.')).toBeInTheDocument();
    expect(mockDb.usedResetTokens.size).toBe(0);
  });

  it('a second use of the same link: LINK_USED, with a way to ask for a new one', async () => {
    resetMockDb('signed-out');
    const first = renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword(NEW_PASSWORD);
    await screen.findByText(/Your password was changed/);
    first.unmount();

    renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword('another new passphrase');
    expect(await screen.findByRole('alert')).toHaveTextContent('This reset link was already used.');
    expect(mockDb.users.get('demo')!.password).toBe(NEW_PASSWORD);
  });

  it.each([
    ['reset-expired', `#token=${MOCK_RESET_TOKEN}`, 'This reset link has expired', 'This link has expired'],
    ['reset-used', `#token=${MOCK_RESET_TOKEN}`, 'This reset link was already used', 'This link was used already'],
    ['signed-out', '#token=rst_mistyped', 'This reset link is not valid', 'This link does not work'],
  ] as const)('%s (%s): says why and links to a new request', async (scenario, hash, message, heading) => {
    resetMockDb(scenario);
    const { router } = renderRoutes(routes, `/reset-password${hash}`);
    await setPassword(NEW_PASSWORD);
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(heading);
    expect(screen.queryByLabelText('New password')).not.toBeInTheDocument();
    expect(screen.queryByText(/every device signed in to your account is signed out/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('link', { name: 'Ask for a new link' }));
    expect(await screen.findByRole('heading', { name: 'Forgot your password?' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/forgot-password');
    expect(mockDb.users.get('demo')!.password).toBe('demo-password');
  });

  it('without a token: no form, a way to ask for a link', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/reset-password');
    expect(await screen.findByRole('alert')).toHaveTextContent('This page needs the link from the reset email');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Open the link from your email');
    expect(screen.queryByLabelText('New password')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password');
  });

  it('shows "Saving…" while the request runs, and a server failure without spending the form', async () => {
    resetMockDb('signed-out');
    let release!: () => void;
    server.use(
      http.post('*/api/password/reset', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return HttpResponse.error();
      }),
    );
    renderRoutes(routes, `/reset-password#token=${MOCK_RESET_TOKEN}`);
    await setPassword(NEW_PASSWORD);
    expect(await screen.findByRole('button', { name: 'Saving…' })).toBeDisabled();
    release();
    expect(await screen.findByRole('alert')).toHaveTextContent("Can't reach the server.");
    expect(screen.getByRole('button', { name: 'Set new password' })).toBeEnabled();
  });
});
