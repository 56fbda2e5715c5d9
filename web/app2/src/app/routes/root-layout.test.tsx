import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderRoutes } from '@sso/web-shared/testing';
import { routes } from '../routes';

describe('app 2 shell', () => {
  // First in this file: react-router warns once per module load.
  it('shows a loading state inside the shell while a lazy page loads, with no HydrateFallback warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    renderRoutes(routes, '/signed-out');
    expect(screen.getByRole('banner')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    expect(await screen.findByRole('heading', { name: 'You are signed out' })).toBeInTheDocument();
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('HydrateFallback'));
  });

  it('names this app once, as the brand, and links only to the other apps', async () => {
    renderRoutes(routes, '/');
    await screen.findByRole('heading', { name: 'Your profile' });
    const header = screen.getByRole('banner');
    expect(within(header).getAllByText('App 2')).toHaveLength(1);
    expect(within(header).getByRole('link', { name: 'App 2' })).toHaveAttribute('href', '/');
    const apps = within(header).getByRole('navigation', { name: 'Other apps on this domain' });
    expect(within(apps).getAllByRole('link').map((a) => a.textContent)).toEqual(['Identity']);
  });
});
