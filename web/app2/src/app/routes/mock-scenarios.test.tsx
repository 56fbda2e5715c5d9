import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { captureNavigation, renderRoutes, resetMockDb } from '@sso/web-shared/testing';
import { MOCK_STATE_COOKIE, loadMockState, saveMockState } from '@sso/web-shared/mock-state';
import { routes } from '../routes';

/** What each `npm run dev:mock` scenario shows on the app 2 page it lands on. */
afterEach(() => {
  document.cookie = `${MOCK_STATE_COOKIE}=; Path=/; Max-Age=0`;
});

describe('mock scenarios on app 2', () => {
  it('throttled: sends the browser to app 1 to sign in', async () => {
    resetMockDb('throttled');
    const assign = captureNavigation();
    renderRoutes(routes, '/');
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(assign.mock.calls[0]![0]).toMatch(/^http:\/\/app1\.sso\.localhost:5171\/login\?returnTo=/);
  });

  it('signed-out: after a sign-in on app 1 (the shared mock state), the profile shows', async () => {
    resetMockDb('default');
    saveMockState(); // what app 1's page left after signing in
    resetMockDb('signed-out'); // app 2's page had started the scenario...
    loadMockState(); // ...and now reads the shared state
    renderRoutes(routes, '/');
    expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
  });
});
