import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { captureNavigation, mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

const APP1 = 'http://app1.sso.localhost:5171';

describe('security settings (/security, needs a recent second factor)', () => {
  it('a password-only session is sent to app 1 step-up with max_age and returnTo = this page', async () => {
    resetMockDb('default');
    const assign = captureNavigation();
    renderRoutes(routes, '/security');
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    const to = new URL(assign.mock.calls[0]![0]);
    expect(`${to.origin}${to.pathname}`).toBe(`${APP1}/login/step-up`);
    expect(to.searchParams.get('max_age')).toBe('900');
    expect(to.searchParams.get('returnTo')).toBe(window.location.href);
    expect(screen.getByText('Taking you to confirm it is you…')).toBeInTheDocument();
  });

  it('after a step-up, shows how and when the person proved it', async () => {
    resetMockDb('default');
    mockDb.secondFactorAt = Date.now() - 60_000;
    const assign = captureNavigation();
    renderRoutes(routes, '/security');
    expect(await screen.findByRole('heading', { name: 'Security settings' })).toBeInTheDocument();
    expect(screen.getByText('Password and one-time code')).toBeInTheDocument();
    expect(screen.getByText('demo')).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it('a second factor older than the page allows goes to step up again', async () => {
    resetMockDb('default');
    mockDb.secondFactorAt = Date.now() - 901_000;
    const assign = captureNavigation();
    renderRoutes(routes, '/security');
    await waitFor(() => expect(assign).toHaveBeenCalledWith(expect.stringContaining(`${APP1}/login/step-up?`)));
  });

  it('signed out: goes to sign in (not to step up)', async () => {
    resetMockDb('signed-out');
    const assign = captureNavigation();
    renderRoutes(routes, '/security');
    await waitFor(() => expect(assign).toHaveBeenCalledWith(expect.stringContaining(`${APP1}/login?returnTo=`)));
  });

  it('never follows a step-up URL that is not the identity app', async () => {
    resetMockDb('default');
    server.use(http.get('*/api/security', () => problem('STEP_UP_REQUIRED', { stepUpUrl: 'https://evil.test/login/step-up' })));
    const assign = captureNavigation();
    renderRoutes(routes, '/security');
    expect(await screen.findByRole('heading', { name: 'We could not load your security settings' })).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it('an unreachable BFF shows the error with a retry', async () => {
    resetMockDb('default');
    server.use(http.get('*/api/security', () => HttpResponse.error()));
    renderRoutes(routes, '/security');
    expect(await screen.findByRole('alert')).toHaveTextContent("Can't reach the server");
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
