import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { routes } from '../routes';

async function fillSignup(username: string, password: string, email?: string) {
  await userEvent.type(await screen.findByLabelText('Username'), username);
  if (email) await userEvent.type(screen.getByLabelText('Email (optional)'), email);
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
}

describe('sign-up page', () => {
  it('validates with the shared schema before calling the server', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/signup');
    await fillSignup('a b', 'short', 'nope');
    expect(screen.getByText(/Use 3 to 32 characters/)).toBeInTheDocument();
    expect(screen.getByText('Use at least 8 characters.')).toBeInTheDocument();
    expect(screen.getByText('Enter a valid email address.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveFocus();
    expect(document.title).toBe('Create account · Identity');
  });

  it('shows a taken username on the username field', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/signup');
    await fillSignup('Demo', 'long enough password');
    expect(await screen.findByRole('alert')).toHaveTextContent('That username is taken.');
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Username')).toHaveFocus();
  });

  it('shows a common password, in any letter case, on the password field', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/signup');
    await fillSignup('newcomer', 'PassWord123');
    expect(await screen.findByRole('alert')).toHaveTextContent('Some fields need attention.');
    const password = screen.getByLabelText('Password');
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription(expect.stringContaining('This password is too common'));
    expect(password).toHaveFocus();
    expect(screen.getByLabelText('Username')).not.toHaveAttribute('aria-invalid');
    expect(router.state.location.pathname).toBe('/signup');
  });

  it('shows the chosen password on "Show"', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/signup');
    const password = await screen.findByLabelText('Password');
    expect(password).toHaveAttribute('type', 'password');
    await userEvent.click(screen.getByRole('button', { name: 'Show password' }));
    expect(password).toHaveAttribute('type', 'text');
    expect(screen.getByRole('button', { name: 'Hide password' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('creates the account and lands on the account page', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/signup');
    await fillSignup('newcomer', 'long enough password', 'new@example.test');
    expect(await screen.findByRole('heading', { name: 'Hello, newcomer' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/account');
  });
});
