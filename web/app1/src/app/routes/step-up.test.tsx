import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { captureNavigation, MOCK_TOTP_CODE, mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

const APP2 = 'http://app2.sso.localhost:5172';
const stepUpPath = `/login/step-up?returnTo=${encodeURIComponent(`${APP2}/security`)}&max_age=900`;

beforeEach(() => sessionStorage.clear());

describe('step-up page (/login/step-up)', () => {
  it('asks a signed-in person for the second factor only (no password field); a wrong code is refused, the right one goes back', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    expect(await screen.findByRole('heading', { name: "Confirm it's you" })).toBeInTheDocument();
    expect(screen.getByText(/App 2 asks for your second factor/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/password/i)).toBeNull();
    await userEvent.type(screen.getByLabelText('Code from your authenticator app'), '000000');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is not valid, or it was used already.');
    expect(assign).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText('Code from your authenticator app'));
    await userEvent.type(screen.getByLabelText('Code from your authenticator app'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith(`${APP2}/security`));
    expect(mockDb.secondFactorAt).not.toBeNull();
  });

  it('takes a recovery code instead', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    await userEvent.click(await screen.findByRole('button', { name: 'Lost your phone? Use a recovery code' }));
    await userEvent.type(screen.getByLabelText('Recovery code'), 'aaaa-bbbb-cccc-dddd');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith(`${APP2}/security`));
    expect(mockDb.totpEnabled.get('usr_demo')).toEqual([]);
  });

  it('with no second factor set up, says so and links to the account page (and back to the app)', async () => {
    resetMockDb('default');
    renderRoutes(routes, stepUpPath);
    expect(await screen.findByRole('heading', { name: 'Two-step sign-in needed' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Set up two-step sign-in' })).toHaveAttribute('href', '/account');
    expect(screen.getByRole('link', { name: 'Back to App 2' })).toHaveAttribute('href', `${APP2}/`);
    expect(screen.queryByLabelText(/code/i)).toBeNull();
  });

  it('a session that already proved it recently goes straight back, once; sent here again at once, it asks instead of looping', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.secondFactorAt = Date.now();
    const assign = captureNavigation();
    const first = renderRoutes(routes, stepUpPath);
    await waitFor(() => expect(assign).toHaveBeenCalledWith(`${APP2}/security`));
    first.unmount();
    assign.mockClear();
    renderRoutes(routes, stepUpPath);
    expect(await screen.findByRole('heading', { name: "Confirm it's you" })).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it('a second factor older than max_age is asked for again', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.secondFactorAt = Date.now() - 901_000;
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    expect(await screen.findByRole('heading', { name: "Confirm it's you" })).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it('without a valid token, loads the page again from BFF 1 (which renews, or shows the sign-in form first)', async () => {
    resetMockDb('signed-out');
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    await waitFor(() => expect(assign).toHaveBeenCalledWith(`${window.location.origin}${stepUpPath}`));
    expect(screen.queryByLabelText(/code/i)).toBeNull();
  });

  it('a throttled code says when to try again', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', []);
    server.use(http.post('*/api/session/step-up', () => problem('RATE_LIMITED', { retryAfter: 840 })));
    renderRoutes(routes, stepUpPath);
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts. Try again in 14 minutes.');
    expect(screen.queryByRole('button', { name: 'Lost your phone? Use a recovery code' })).toBeNull();
  });

  it('a status that cannot load shows the error with a retry', async () => {
    resetMockDb('default');
    server.use(http.get('*/api/session/step-up', () => HttpResponse.error()));
    renderRoutes(routes, stepUpPath);
    expect(await screen.findByRole('alert')).toHaveTextContent("Can't reach the server");
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('recent authentication on the account page', () => {
  it('a password change with two-step on and no recent second factor asks for a code inline, then changes the password', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    renderRoutes(routes, '/account');
    await userEvent.type(await screen.findByLabelText('Current password'), 'demo-password');
    await userEvent.type(screen.getByLabelText('New password'), 'a much better passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('heading', { name: "Confirm it's you" })).toBeInTheDocument();
    expect(mockDb.users.get('demo')!.password).toBe('demo-password');
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm and change' }));
    expect(await screen.findByText(/Password changed\./)).toBeInTheDocument();
    expect(mockDb.users.get('demo')!.password).toBe('a much better passphrase');
    expect(screen.queryByRole('heading', { name: "Confirm it's you" })).toBeNull();
  });
});
