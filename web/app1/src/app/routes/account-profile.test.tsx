import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mockDb, renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { routes } from '../routes';

const profile = async () => screen.findByRole('region', { name: 'Profile' });

describe('account page: profile card', () => {
  it('shows name, email and the verified badge', async () => {
    renderRoutes(routes, '/account');
    const card = await profile();
    expect(within(card).getByText('demo@example.test')).toBeInTheDocument();
    expect(within(card).getByText('Verified')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'Send a new link' })).not.toBeInTheDocument();
  });

  it('an unverified address: "Not verified" and a new link on request', async () => {
    resetMockDb('unverified');
    renderRoutes(routes, '/account');
    const card = await profile();
    expect(within(card).getByText('Not verified')).toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'Send a new link' }));
    expect(await within(card).findByText(/A new link is on its way to/)).toHaveTextContent('demo@example.test');
  });

  it('changes the name at once', async () => {
    renderRoutes(routes, '/account');
    const card = await profile();
    await userEvent.click(within(card).getByRole('button', { name: 'Edit name' }));
    const field = within(card).getByLabelText('Name');
    await userEvent.clear(field);
    await userEvent.type(field, 'Ada Lovelace');
    await userEvent.click(within(card).getByRole('button', { name: 'Save name' }));
    expect(await within(card).findByText('Ada Lovelace')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Hello, Ada Lovelace' })).toBeInTheDocument();
    expect(mockDb.users.get('demo')!.account.name).toBe('Ada Lovelace');
  });

  it('an email change needs the password, then shows the pending address; the current one stays', async () => {
    renderRoutes(routes, '/account');
    const card = await profile();
    await userEvent.click(within(card).getByRole('button', { name: 'Change email address' }));
    await userEvent.type(within(card).getByLabelText('New email address'), 'new@example.test');
    await userEvent.type(within(card).getByLabelText('Current password'), 'wrong password');
    await userEvent.click(within(card).getByRole('button', { name: 'Send confirmation link' }));
    expect(await within(card).findByText('The current password is wrong.')).toBeInTheDocument();
    const password = within(card).getByLabelText('Current password');
    await userEvent.clear(password);
    await userEvent.type(password, 'demo-password');
    await userEvent.click(within(card).getByRole('button', { name: 'Send confirmation link' }));
    const pending = await within(card).findByText(/Waiting for confirmation/);
    expect(pending).toHaveTextContent('new@example.test');
    expect(within(card).getByText('demo@example.test')).toBeInTheDocument();
    expect(within(card).queryByLabelText('New email address')).not.toBeInTheDocument();
  });
});
