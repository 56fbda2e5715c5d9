import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { captureNavigation, mockDb, problem, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { routes } from '../routes';

describe('sign-in page', () => {
  it('a signed-out visitor gets the form after one session check answered 200, with no renewal attempt', async () => {
    resetMockDb('signed-out');
    const answers: string[] = [];
    const record = ({ request, response }: { request: Request; response: Response }) =>
      void answers.push(`${request.method} ${new URL(request.url).pathname} ${response.status}`);
    server.events.on('response:mocked', record);
    try {
      renderRoutes(routes, '/login');
      expect(screen.getByText('Checking your session…')).toBeInTheDocument();
      expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
      expect(screen.getByLabelText('Username')).toBeInTheDocument();
      expect(screen.queryByRole('status')).not.toBeInTheDocument(); // no "session ended" line
      // The error region is there for screen readers, but empty and without its box until a message comes.
      expect(screen.getByRole('alert')).toBeEmptyDOMElement();
      expect(screen.getByRole('alert')).toHaveClass('alert--empty');
      expect(answers).toEqual(['GET /api/session 200']);
      expect(mockDb.renewals).toBe(0);
    } finally {
      server.events.removeListener('response:mocked', record);
    }
  });

  it('shows field errors from the shared schema, announces them and focuses the first invalid field', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login');
    await userEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Some fields need attention.');
    expect(screen.getByText('Enter a username.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveFocus();
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
    expect(document.title).toBe('Sign in · Identity');
  });

  it('says the credentials are wrong on INVALID_CREDENTIALS', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'not-the-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("That username and password don't match.");
  });

  it('shows the retry time when throttled', async () => {
    resetMockDb('signed-out');
    server.use(http.post('*/api/login', () => problem('RATE_LIMITED', { retryAfter: 90 })));
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts. Try again in 2 minutes.');
  });

  it('shows a pending state while signing in', async () => {
    resetMockDb('signed-out');
    let release!: () => void;
    server.use(http.post('*/api/login', () => new Promise<Response>((resolve) => (release = () => resolve(HttpResponse.json({}, { status: 500 }))))));
    renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('button', { name: 'Signing in…' })).toBeDisabled();
    release();
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('goes to the redirectTo the BFF returned: another app with a full navigation', async () => {
    resetMockDb('signed-out');
    const assign = captureNavigation();
    let sentReturnTo: unknown;
    server.use(
      http.post('*/api/login', async ({ request }) => {
        sentReturnTo = ((await request.json()) as { returnTo?: string }).returnTo;
        mockDb.signedInUserId = 'usr_demo';
        return HttpResponse.json({
          user: { id: 'usr_demo', username: 'demo', email: null, emailVerified: false, name: null, createdAt: '2026-01-01T00:00:00.000Z', groups: [] },
          redirectTo: 'http://app2.sso.localhost:5172/validated',
        });
      }),
    );
    renderRoutes(routes, '/login?returnTo=http%3A%2F%2Fapp2.sso.localhost%3A5172%2Frequested');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('http://app2.sso.localhost:5172/validated'));
    expect(sentReturnTo).toBe('http://app2.sso.localhost:5172/requested');
  });

  it('signs in and lands on the account page', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/login');
    await userEvent.type(await screen.findByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/account');
  });

  it.each([
    ['signed-out-everywhere', 'You signed out on another device.'],
    ['idle', 'You were signed out after 30 minutes without activity.'],
    ['password-changed', 'Your password was changed, so every device was signed out.'],
  ])('says why the session ended (%s), keeping returnTo', async (reason, message) => {
    resetMockDb('signed-out');
    renderRoutes(routes, `/login?returnTo=${encodeURIComponent('http://app2.sso.localhost:5172/x')}&ended=${reason}`);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(await screen.findByText(message)).toBeInTheDocument(); // its messages load on demand
    expect(screen.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', `/signup?returnTo=${encodeURIComponent('http://app2.sso.localhost:5172/x')}`);
  });

  it('signing out from the header, signed in with a returnTo, stays on this sign-in page and says so', async () => {
    const returnTo = encodeURIComponent('http://app2.sso.localhost:5172/x');
    const { router } = renderRoutes(routes, `/login?returnTo=${returnTo}`);
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You are signed out on every app.')).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?returnTo=${returnTo}`);
    expect(screen.queryByText(/You are signed in as/)).not.toBeInTheDocument();
  });

  it('shows the password on "Show" and hides it again on "Hide", still submitting it', async () => {
    resetMockDb('signed-out');
    const { router } = renderRoutes(routes, '/login');
    const password = await screen.findByLabelText('Password');
    const toggle = screen.getByRole('button', { name: 'Show password' });
    expect(password).toHaveAttribute('type', 'password');
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await userEvent.type(password, 'demo-password');
    await userEvent.click(toggle);
    expect(password).toHaveAttribute('type', 'text');
    expect(password).toHaveValue('demo-password');
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(toggle).toHaveTextContent('Hide');
    await userEvent.click(toggle);
    expect(password).toHaveAttribute('type', 'password');
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    // The toggle is no submit button: the form still signs in with what was typed.
    await userEvent.type(screen.getByLabelText('Username'), 'demo');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Hello, Demo User' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/account');
  });

  it('says when returnTo names no app of this domain, which it will not follow', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, `/login?returnTo=${encodeURIComponent('https://evil.test/steal')}`);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText(/https:\/\/evil\.test is not one of this domain's apps/)).toBeInTheDocument();
  });

  it('says nothing of a returnTo on one of our apps', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, `/login?returnTo=${encodeURIComponent('http://app2.sso.localhost:5172/x')}`);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(/is not one of this domain's apps/)).not.toBeInTheDocument();
  });

  it('ignores an ended reason it does not know', async () => {
    resetMockDb('signed-out');
    renderRoutes(routes, '/login?ended=%3Cscript%3E');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });
});
