import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { routes } from '../routes';

describe('app 1 shell', () => {
  // First in this file: react-router warns once per module load.
  it('shows a centred loading state inside the shell while a lazy page loads, with no HydrateFallback warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    renderRoutes(routes, '/account');
    expect(screen.getByRole('banner')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('HydrateFallback'));
  });

  it('names this app once, as the brand, and links only to the other apps', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login');
    await screen.findByRole('heading', { name: 'Sign in' });
    const header = screen.getByRole('banner');
    expect(within(header).getAllByText('Identity')).toHaveLength(1);
    expect(within(header).getByRole('link', { name: 'Identity' })).toHaveAttribute('href', '/');
    const apps = within(header).getByRole('navigation', { name: 'Other apps on this domain' });
    expect(within(apps).getAllByRole('link').map((a) => a.textContent)).toEqual(['App 2']);
    expect(within(apps).getByRole('link', { name: 'App 2' })).toHaveAttribute('href', 'http://app2.sso.localhost:5172/');
  });
});
