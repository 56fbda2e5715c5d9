import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { MOCK_RESET_TOKEN } from '@sso/web-shared/testing-db';
import { routes } from '../routes';

const SENT = /If an account matches, we sent a link/;

async function ask(login: string) {
  await userEvent.type(await screen.findByLabelText('Username or email'), login);
  await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }));
}

describe('"Forgot password?" on the sign-in page', () => {
  it('links to the forgot page from the form', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/login');
    await userEvent.click(await screen.findByRole('link', { name: 'Forgot password?' }));
    expect(await screen.findByRole('heading', { name: 'Forgot your password?' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/forgot-password');
  });

  it('is offered in the throttled message too', async () => {
    resetMockDb('throttled');
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Too many attempts. Try again in 42 seconds.');
    expect(within(alert).getByRole('link', { name: 'Forgot password?' })).toHaveAttribute('href', '/forgot-password');
  });

  it('is not in a wrong-password message', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    await within(alert).findByText(/don't match/);
    expect(within(alert).queryByRole('link')).not.toBeInTheDocument();
  });
});

describe('forgot-password page', () => {
  it('validates with the shared schema before calling the server', async () => {
    resetMockDb('signed-out');
    let calls = 0;
    server.events.on('request:start', ({ request }) => void (new URL(request.url).pathname === '/api/password/forgot' && calls++));
    renderRoutes(routes, '/forgot-password');
    await userEvent.type(await screen.findByLabelText('Username or email'), '   ');
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(await screen.findByText('Enter your username or email address.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username or email')).toHaveFocus();
    expect(calls).toBe(0);
    expect(document.title).toBe('Forgot password · Identity');
    server.events.removeAllListeners();
  });

  it('says the same for a known account and an unknown one, and issues a link only for the known one', async () => {
    resetMockDb('signed-out');
    mockDb.resetTokens.clear();
    renderRoutes(routes, '/forgot-password');
    await ask('nobody-here');
    const unknown = (await screen.findByRole('status')).textContent;
    expect(unknown).toMatch(SENT);
    expect(mockDb.resetTokens.size).toBe(0);

    resetMockDb('signed-out');
    mockDb.resetTokens.clear();
    renderRoutes(routes, '/forgot-password');
    await ask('demo@example.test');
    const statuses = await screen.findAllByRole('status');
    expect(statuses.at(-1)!.textContent).toBe(unknown);
    expect(mockDb.resetTokens.get(MOCK_RESET_TOKEN)).toBe('demo');
  });

  it('then says to check the mail, with the form gone, and "Try again" brings it back', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/forgot-password');
    await ask('demo');
    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeInTheDocument();
    expect(document.title).toBe('Check your email · Identity');
    expect(screen.getByRole('status')).toHaveTextContent(SENT);
    expect(screen.queryByLabelText('Username or email')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('Username or email')).toBeInTheDocument();
  });

  it('shows a 429 with the time to wait, and keeps the form', async () => {
    resetMockDb('throttled');
    renderRoutes(routes, '/forgot-password');
    await ask('demo');
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts. Try again in 10 minutes.');
    expect(screen.queryByText(SENT)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send reset link' })).toBeEnabled();
  });

  it('shows "Sending…" while the request runs, and a network failure as such', async () => {
    resetMockDb('signed-out');
    let release!: () => void;
    server.use(
      http.post('*/api/password/forgot', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return HttpResponse.error();
      }),
    );
    renderRoutes(routes, '/forgot-password');
    await ask('demo');
    expect(await screen.findByRole('button', { name: 'Sending…' })).toBeDisabled();
    release();
    expect(await screen.findByRole('alert')).toHaveTextContent("Can't reach the server.");
    expect(screen.getByRole('button', { name: 'Send reset link' })).toBeEnabled();
  });
});
