import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { MOCK_TOTP_CODE, mockDb, renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { routes } from '../routes';

async function signInWithPassword() {
  renderRoutes(routes, '/login');
  await userEvent.type(await screen.findByLabelText('Username'), 'demo');
  await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('two-step sign-in', () => {
  it('after the password, asks for the code; a wrong one is refused, the right one signs in and lands on the account', async () => {
    resetMockDb('signed-out');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    await signInWithPassword();
    expect(await screen.findByRole('heading', { name: 'Two-step sign-in' })).toBeInTheDocument();
    expect(mockDb.signedInUserId).toBeNull();
    await userEvent.type(screen.getByLabelText('Code'), '000000');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is not valid, or it was used already.');
    await userEvent.clear(screen.getByLabelText('Code'));
    await userEvent.type(screen.getByLabelText('Code'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('heading', { name: /Hello/ })).toBeInTheDocument();
    expect(mockDb.signedInUserId).toBe('usr_demo');
  });

  it('offers a recovery code instead', async () => {
    resetMockDb('signed-out');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    await signInWithPassword();
    await userEvent.click(await screen.findByRole('button', { name: 'Lost your phone? Use a recovery code' }));
    await userEvent.type(screen.getByLabelText('Recovery code'), 'aaaa-bbbb-cccc-dddd');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('heading', { name: /Hello/ })).toBeInTheDocument();
    expect(mockDb.totpEnabled.get('usr_demo')).toEqual([]);
  });

  it('an expired pending sign-in says so and links back to the sign-in form', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login/second-factor');
    await userEvent.type(await screen.findByLabelText('Code'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This sign-in is over');
    expect(screen.getByRole('link', { name: 'Sign in again' })).toHaveAttribute('href', '/login');
  });
});

describe('account: setting up an authenticator app', () => {
  it('shows the QR code and the key, confirms with a code, then shows ten recovery codes once', async () => {
    resetMockDb('default');
    renderRoutes(routes, '/account');
    await userEvent.click(await screen.findByRole('button', { name: 'Set up an authenticator app' }));
    expect(await screen.findByRole('img', { name: 'QR code for your authenticator app' })).toBeInTheDocument();
    expect(screen.getByTestId('totp-secret')).toHaveTextContent(/^[A-Z2-7]+$/);
    await userEvent.type(screen.getByLabelText('Code from the app'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Turn on' }));
    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(list.querySelectorAll('li')).toHaveLength(10);
    await userEvent.click(screen.getByRole('button', { name: 'I saved them' }));
    expect(await screen.findByText(/Recovery codes left/)).toHaveTextContent('10');
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).not.toBeInTheDocument();
  });

  it('turning it off takes a code', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    renderRoutes(routes, '/account');
    await userEvent.type(await screen.findByLabelText('Code from the app, or a recovery code'), '999999');
    await userEvent.click(screen.getByRole('button', { name: 'Turn off two-step sign-in' }));
    expect((await screen.findAllByText(/That code is not valid/)).length).toBeGreaterThan(0);
    await userEvent.clear(screen.getByLabelText('Code from the app, or a recovery code'));
    await userEvent.type(screen.getByLabelText('Code from the app, or a recovery code'), MOCK_TOTP_CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Turn off two-step sign-in' }));
    expect(await screen.findByRole('button', { name: 'Set up an authenticator app' })).toBeInTheDocument();
    expect(mockDb.totpEnabled.has('usr_demo')).toBe(false);
  });
});
