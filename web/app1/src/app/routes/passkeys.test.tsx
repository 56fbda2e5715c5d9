import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { captureNavigation, MOCK_TOTP_CODE, mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

// The browser side of WebAuthn: jsdom has no authenticator, so the ceremony answers what each test says.
const webauthn = vi.hoisted(() => ({ startRegistration: vi.fn(), startAuthentication: vi.fn() }));
vi.mock('@simplewebauthn/browser', () => webauthn);

const registration = (id: string) => ({
  id,
  rawId: id,
  type: 'public-key',
  response: { clientDataJSON: 'e30', attestationObject: 'o2Nm', transports: ['internal'] },
  clientExtensionResults: {},
});
const assertion = (id: string) => ({
  id,
  rawId: id,
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'MEUC', userHandle: 'dXNyX2RlbW8' },
  clientExtensionResults: {},
});
const cancelled = () => Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' });

beforeEach(() => {
  webauthn.startRegistration.mockReset();
  webauthn.startAuthentication.mockReset();
});

describe('account: passkeys', () => {
  it('adds a named passkey, lists it with when it was added and last used, renames it, removes it after asking', async () => {
    resetMockDb('default');
    webauthn.startRegistration.mockResolvedValue(registration('cred-laptop'));
    renderRoutes(routes, '/account');
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    expect(await within(card).findByText('No passkey yet.')).toBeInTheDocument();
    const name = within(card).getByLabelText('Name of the new passkey');
    await userEvent.clear(name);
    await userEvent.type(name, 'Work laptop');
    await userEvent.click(within(card).getByRole('button', { name: 'Add a passkey' }));
    expect(await within(card).findByText(/Passkey “Work laptop” added/)).toBeInTheDocument();
    // The browser got BFF 1's options as they came.
    expect(webauthn.startRegistration.mock.calls[0]![0].optionsJSON).toMatchObject({ rp: { id: 'app1.sso.localhost' }, authenticatorSelection: { residentKey: 'required' } });
    expect(await within(card).findByText('Work laptop')).toBeInTheDocument();
    expect(within(card).getByText(/never used/)).toBeInTheDocument();
    expect(within(card).getByText('This device only')).toBeInTheDocument();

    await userEvent.click(within(card).getByRole('button', { name: 'Rename Work laptop' }));
    const rename = within(card).getByLabelText('New name for “Work laptop”');
    await userEvent.clear(rename);
    await userEvent.type(rename, 'Desk');
    await userEvent.click(within(card).getByRole('button', { name: 'Save' }));
    expect(await within(card).findByText('Desk')).toBeInTheDocument();

    await userEvent.click(within(card).getByRole('button', { name: 'Remove Desk' }));
    expect(within(card).getByText(/Remove “Desk”\? It will no longer sign you in/)).toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'Remove' }));
    expect(await within(card).findByText('No passkey yet.')).toBeInTheDocument();
    expect(mockDb.passkeys.get('usr_demo')).toEqual([]);
  });

  it('an empty name is refused before the browser is asked; a cancelled ceremony and a refused answer say so', async () => {
    resetMockDb('default');
    renderRoutes(routes, '/account');
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    await within(card).findByText('No passkey yet.');
    await userEvent.clear(within(card).getByLabelText('Name of the new passkey'));
    await userEvent.click(within(card).getByRole('button', { name: 'Add a passkey' }));
    expect(await within(card).findByText('Give the passkey a name.')).toBeInTheDocument();
    expect(webauthn.startRegistration).not.toHaveBeenCalled();

    await userEvent.type(within(card).getByLabelText('Name of the new passkey'), 'Phone');
    webauthn.startRegistration.mockRejectedValueOnce(cancelled());
    await userEvent.click(within(card).getByRole('button', { name: 'Add a passkey' }));
    expect(await within(card).findByText(/cancelled or timed out/)).toBeInTheDocument();

    webauthn.startRegistration.mockResolvedValueOnce(registration('cred-x'));
    server.use(http.post('*/api/account/passkeys', () => problem('PASSKEY_REFUSED')));
    await userEvent.click(within(card).getByRole('button', { name: 'Add a passkey' }));
    expect(await within(card).findByText(/not accepted here/)).toBeInTheDocument();
  });

  it('while loading says so, and a failed list offers to try again', async () => {
    resetMockDb('default');
    server.use(http.get('*/api/account/passkeys', () => problem('STORE_UNAVAILABLE'), { once: true }));
    renderRoutes(routes, '/account');
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    expect(await within(card).findByText('Your passkeys could not be loaded just now. Try again in a moment.')).toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'Try again' }));
    expect(await within(card).findByText('No passkey yet.')).toBeInTheDocument();
  });
});

describe('sign-in with a passkey', () => {
  it('signs in with no username and goes where BFF 1 said (another app: a full load)', async () => {
    resetMockDb('signed-out');
    mockDb.passkeys.set('usr_demo', [{ id: 'cred-demo', name: 'Laptop', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, synced: false }]);
    webauthn.startAuthentication.mockResolvedValue(assertion('cred-demo'));
    const assign = captureNavigation();
    renderRoutes(routes, `/login?returnTo=${encodeURIComponent('http://app2.sso.localhost:5172/profile')}`);
    await userEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('http://app2.sso.localhost:5172/profile'));
    expect(webauthn.startAuthentication.mock.calls[0]![0].optionsJSON).toMatchObject({ rpId: 'app1.sso.localhost', userVerification: 'required' });
    expect(mockDb.signedInUserId).toBe('usr_demo');
  });

  it('a cancelled ceremony or a refused passkey leaves the form with a message', async () => {
    resetMockDb('signed-out');
    webauthn.startAuthentication.mockRejectedValueOnce(cancelled());
    renderRoutes(routes, '/login');
    await userEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByText(/cancelled or timed out/)).toBeInTheDocument();
    webauthn.startAuthentication.mockResolvedValueOnce(assertion('cred-unknown'));
    server.use(http.post('*/api/login/passkey', () => problem('PASSKEY_REFUSED')));
    await userEvent.click(screen.getByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByText(/not accepted here/)).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toBeInTheDocument();
    expect(mockDb.signedInUserId).toBeNull();
  });

  it('shows that it waits for the passkey', async () => {
    resetMockDb('signed-out');
    webauthn.startAuthentication.mockReturnValue(new Promise(() => undefined));
    renderRoutes(routes, '/login');
    await userEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByRole('button', { name: 'Waiting for your passkey…' })).toBeDisabled();
  });
});

describe('passkey as the second factor', () => {
  it('after the password, "Use a passkey" finishes the sign-in when the account has one', async () => {
    resetMockDb('signed-out');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.passkeys.set('usr_demo', [{ id: 'cred-demo', name: 'Laptop', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, synced: false }]);
    webauthn.startAuthentication.mockResolvedValue(assertion('cred-demo'));
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Two-step sign-in' })).toBeInTheDocument();
    await userEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByRole('heading', { name: /Hello/ })).toBeInTheDocument();
    expect(webauthn.startAuthentication.mock.calls[0]![0].optionsJSON.allowCredentials).toEqual([{ id: 'cred-demo', type: 'public-key' }]);
  });

  it('no passkey on the account: only the code', async () => {
    resetMockDb('signed-out');
    mockDb.totpEnabled.set('usr_demo', []);
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Two-step sign-in' })).toBeInTheDocument();
    expect(await screen.findByLabelText('Code')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Use a passkey' })).not.toBeInTheDocument();
  });
});

describe('step-up with a passkey (/login/step-up)', () => {
  const APP2 = 'http://app2.sso.localhost:5172';
  const stepUpPath = `/login/step-up?returnTo=${encodeURIComponent(`${APP2}/security`)}&max_age=900`;
  const key = { id: 'cred-desk', name: 'Desk', createdAt: new Date().toISOString(), lastUsedAt: null, synced: false };
  beforeEach(() => sessionStorage.clear());

  it('with two-step on, offers "Use a passkey" beside the code; the library is asked only on click, with options for this account; then goes back', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.passkeys.set('usr_demo', [key]);
    webauthn.startAuthentication.mockResolvedValue(assertion('cred-desk'));
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    const button = await screen.findByRole('button', { name: 'Use a passkey' });
    expect(screen.getByLabelText('Code from your authenticator app')).toBeInTheDocument();
    expect(webauthn.startAuthentication).not.toHaveBeenCalled();
    await userEvent.click(button);
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith(`${APP2}/security`));
    expect(webauthn.startAuthentication.mock.calls[0]![0].optionsJSON).toMatchObject({ allowCredentials: [{ id: 'cred-desk' }], userVerification: 'preferred' });
    expect(mockDb.secondFactorAt).not.toBeNull();
  });

  it('with passkeys alone (no authenticator app), offers only the passkey; a cancelled or refused one says so and stays', async () => {
    resetMockDb('default');
    mockDb.passkeys.set('usr_demo', [key]);
    const assign = captureNavigation();
    renderRoutes(routes, stepUpPath);
    const button = await screen.findByRole('button', { name: 'Use a passkey' });
    expect(screen.queryByLabelText('Code from your authenticator app')).toBeNull();
    webauthn.startAuthentication.mockRejectedValueOnce(cancelled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent(/cancelled or timed out/);
    webauthn.startAuthentication.mockResolvedValueOnce(assertion('cred-of-someone-else'));
    await userEvent.click(screen.getByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByText(/That passkey was not accepted here/)).toBeInTheDocument();
    expect(webauthn.startAuthentication.mock.calls[1]![0].optionsJSON.userVerification).toBe('required');
    expect(assign).not.toHaveBeenCalled();
  });
});

describe('recent authentication before removing a passkey', () => {
  const key = { id: 'cred-old', name: 'Old key', createdAt: new Date().toISOString(), lastUsedAt: null, synced: true };

  it('a session signed in too long ago is asked to confirm inline with a passkey, then the passkey is removed', async () => {
    resetMockDb('default');
    mockDb.passkeys.set('usr_demo', [key, { ...key, id: 'cred-new', name: 'New key' }]);
    mockDb.sessionCreatedAt = Date.now() - 700_000;
    webauthn.startAuthentication.mockResolvedValue(assertion('cred-new'));
    renderRoutes(routes, '/account');
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    await userEvent.click(await within(card).findByRole('button', { name: 'Remove Old key' }));
    await userEvent.click(within(card).getByRole('button', { name: 'Remove' }));
    const prompt = await within(card).findByRole('group', { name: "Confirm it's you" });
    expect(within(prompt).getByText(/Removing a passkey needs a recent sign-in/)).toBeInTheDocument();
    expect(mockDb.passkeys.get('usr_demo')).toHaveLength(2);
    await userEvent.click(await within(prompt).findByRole('button', { name: 'Use a passkey' }));
    await vi.waitFor(() => expect(mockDb.passkeys.get('usr_demo')!.map((p) => p.name)).toEqual(['New key']));
    expect(await within(card).findByText('New key')).toBeInTheDocument();
    expect(within(card).queryByRole('group', { name: "Confirm it's you" })).toBeNull();
  });

  it('with two-step on, the prompt takes a code too; within the age, the removal needs no prompt', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.passkeys.set('usr_demo', [key]);
    renderRoutes(routes, '/account');
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    await userEvent.click(await within(card).findByRole('button', { name: 'Remove Old key' }));
    await userEvent.click(within(card).getByRole('button', { name: 'Remove' }));
    const prompt = await within(card).findByRole('group', { name: "Confirm it's you" });
    await userEvent.type(await within(prompt).findByLabelText('Code from your authenticator app'), MOCK_TOTP_CODE);
    await userEvent.click(within(prompt).getByRole('button', { name: 'Confirm and remove' }));
    expect(await within(card).findByText('No passkey yet.')).toBeInTheDocument();
    expect(mockDb.passkeys.get('usr_demo')).toEqual([]);
  });
});

describe('recent authentication for a password change, with a passkey', () => {
  it('with two-step on and a passkey, the inline prompt offers the passkey too, and the password changes after it', async () => {
    resetMockDb('default');
    mockDb.totpEnabled.set('usr_demo', ['aaaa-bbbb-cccc-dddd']);
    mockDb.passkeys.set('usr_demo', [{ id: 'cred-desk', name: 'Desk', createdAt: new Date().toISOString(), lastUsedAt: null, synced: false }]);
    webauthn.startAuthentication.mockResolvedValue(assertion('cred-desk'));
    renderRoutes(routes, '/account');
    await userEvent.type(await screen.findByLabelText('Current password'), 'demo-password');
    await userEvent.type(screen.getByLabelText('New password'), 'a much better passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    const prompt = await screen.findByRole('group', { name: "Confirm it's you" });
    expect(within(prompt).getByText(/use a passkey or enter a code from your authenticator app to change the password/)).toBeInTheDocument();
    await userEvent.click(await within(prompt).findByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByText(/Password changed\./)).toBeInTheDocument();
    expect(mockDb.users.get('demo')!.password).toBe('a much better passphrase');
  });
});
