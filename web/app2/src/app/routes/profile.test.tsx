import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { captureNavigation, mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

describe('app 2 profile', () => {
  it('shows the JIT-provisioned profile with a note that it was created just now', async () => {
    renderRoutes(routes, '/');
    expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
    expect(screen.getByText(/was created just now from your single sign-on identity/)).toBeInTheDocument();
    expect(screen.getByText('demo@example.test')).toBeInTheDocument();
    expect(screen.getByText('Member since')).toBeInTheDocument();
    expect(document.title).toBe('Your profile · App 2');
  });

  it('shows the groups the token carries, and "None" without any', async () => {
    const first = renderRoutes(routes, '/');
    const groups = await screen.findByRole('list', { name: 'Your groups' });
    expect(groups).toHaveTextContent('staff');
    first.unmount();

    mockDb.users.get('demo')!.account.groups = [];
    renderRoutes(routes, '/');
    await screen.findByRole('heading', { name: 'Your profile' });
    expect(screen.queryByRole('list', { name: 'Your groups' })).not.toBeInTheDocument();
    expect(screen.getByText('Groups').nextElementSibling).toHaveTextContent('None');
  });

  it('shows whether the address is verified (the token\'s email_verified, kept in the local user)', async () => {
    const first = renderRoutes(routes, '/');
    expect(await screen.findByText('Verified')).toBeInTheDocument();
    first.unmount();
    resetMockDb('unverified');
    renderRoutes(routes, '/');
    expect(await screen.findByText('Not verified')).toBeInTheDocument();
  });

  it('says "created just now" once: not again on a reload, though the record still looks new', async () => {
    const first = renderRoutes(routes, '/');
    expect(await screen.findByText(/was created just now/)).toBeInTheDocument();
    first.unmount();

    renderRoutes(routes, '/'); // a reload: same user, same answer from BFF 2
    expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
    expect(screen.getByText('demo@example.test')).toBeInTheDocument();
    expect(screen.queryByText(/was created just now/)).not.toBeInTheDocument();
  });

  it('makes exactly one /api/me request for the header and the page', async () => {
    let calls = 0;
    server.use(
      http.get('*/api/me', () => {
        calls++;
        return undefined;
      }),
    );
    renderRoutes(routes, '/');
    await screen.findByRole('heading', { name: 'Your profile' });
    expect(calls).toBe(1);
  });

  it('sends a signed-out visitor to app 1 sign-in with returnTo = the current URL', async () => {
    resetMockDb('signed-out');
    const assign = captureNavigation();
    renderRoutes(routes, '/');
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    const target = new URL(assign.mock.calls[0]![0]);
    expect(target.origin + target.pathname).toBe('http://app1.sso.localhost:5171/login');
    expect(target.searchParams.get('returnTo')).toBe(window.location.href);
    expect(screen.getByText('Taking you to sign in…')).toBeInTheDocument();
  });

  it('on SESSION_EXPIRED refreshes at app 1 once, retries, and shows the profile', async () => {
    resetMockDb('expired');
    const assign = captureNavigation();
    let refreshes = 0;
    server.use(
      http.post('http://app1.sso.localhost:5171/api/session/refresh', () => {
        refreshes++;
        return undefined;
      }),
    );
    renderRoutes(routes, '/');
    expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
    expect(refreshes).toBe(1);
    expect(assign).not.toHaveBeenCalled();
  });

  it('when the refresh fails too, sends the browser to sign in', async () => {
    resetMockDb('expired');
    server.use(http.post('*/api/session/refresh', () => problem('UNAUTHENTICATED')));
    const assign = captureNavigation();
    renderRoutes(routes, '/');
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(assign.mock.calls[0]![0]).toMatch(/^http:\/\/app1\.sso\.localhost:5171\/login\?returnTo=/);
  });

  it('explains an identity outage and offers a retry instead of redirecting', async () => {
    resetMockDb('unavailable');
    const assign = captureNavigation();
    renderRoutes(routes, '/');
    expect(await screen.findByRole('alert')).toHaveTextContent('The sign-in service is not answering right now.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it('signs out at app 1 and lands on the signed-out page', async () => {
    let loggedOut = false;
    server.use(
      http.post('http://app1.sso.localhost:5171/api/logout', () => {
        loggedOut = true;
        return undefined;
      }),
    );
    const { router } = renderRoutes(routes, '/');
    await screen.findByRole('heading', { name: 'Your profile' });
    await userEvent.click(screen.getAllByRole('button', { name: 'Sign out' }).at(-1)!);
    expect(await screen.findByRole('heading', { name: 'You are signed out' })).toBeInTheDocument();
    expect(loggedOut).toBe(true);
    // The header no longer shows the user.
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument());
    expect(screen.queryByText('Demo User')).not.toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/signed-out');
    expect(screen.getByRole('link', { name: 'Sign in again' })).toHaveAttribute(
      'href',
      `http://app1.sso.localhost:5171/login?returnTo=${encodeURIComponent(`${window.location.origin}/`)}`,
    );
  });

  describe('sessions that last', () => {
    it('with no domain cookie left (its lifetime ended) renews at app 1 and shows the profile, no sign-in form', async () => {
      resetMockDb('cookie-gone');
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
      expect(mockDb.renewals).toBe(1);
      expect(assign).not.toHaveBeenCalled();
    });

    it('after a key rotation the profile still shows, with no renewal and no sign-in', async () => {
      resetMockDb('rotated');
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
      expect(mockDb.renewals).toBe(0);
      expect(assign).not.toHaveBeenCalled();
    });

    it('when the session ended, sends the browser to app 1 with returnTo and the reason', async () => {
      resetMockDb('session-ended');
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
      const target = new URL(assign.mock.calls[0]![0]);
      expect(target.origin + target.pathname).toBe('http://app1.sso.localhost:5171/login');
      expect(target.searchParams.get('returnTo')).toBe(window.location.href);
      expect(target.searchParams.get('ended')).toBe('idle');
    });

    it('an open tab renews before its token expires, once per token', async () => {
      mockDb.tokenExpiresAt = new Date(Date.now() + 5_300).toISOString(); // due in ~0.3 s (5 s lead)
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
      await waitFor(() => expect(mockDb.renewals).toBe(1), { timeout: 3_000 });
      // The renewed token lives ten minutes: nothing else is due.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(mockDb.renewals).toBe(1);
      expect(assign).not.toHaveBeenCalled();
      expect(screen.getByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
    });

    it('an open tab learns within about a second that its session was ended from another device, its token still young', async () => {
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
      // Ended on the account page of another browser: BFF 2 now refuses the token, renewal says why.
      const endedAt = Date.now();
      mockDb.token = 'absent';
      mockDb.sessionEnded = 'signed-out-everywhere';
      await waitFor(() => expect(assign).toHaveBeenCalledTimes(1), { timeout: 3_000 });
      expect(Date.now() - endedAt).toBeLessThan(1_800);
      expect(new URL(assign.mock.calls[0]![0]).searchParams.get('ended')).toBe('signed-out-everywhere');
    });

    it('an open tab whose session ends while it waits goes to sign-in with the reason', async () => {
      mockDb.tokenExpiresAt = new Date(Date.now() + 5_300).toISOString();
      const assign = captureNavigation();
      renderRoutes(routes, '/');
      expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument();
      mockDb.sessionEnded = 'signed-out-everywhere';
      await waitFor(() => expect(assign).toHaveBeenCalledTimes(1), { timeout: 3_000 });
      expect(new URL(assign.mock.calls[0]![0]).searchParams.get('ended')).toBe('signed-out-everywhere');
    });
  });
});
