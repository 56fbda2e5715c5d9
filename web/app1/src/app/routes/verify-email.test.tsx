import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockDb, renderRoutes, resetMockDb, server } from '@sso/web-shared/testing';
import { MOCK_VERIFY_TOKEN } from '@sso/web-shared/testing-db';
import { routes } from '../routes';

describe('verify-email page', () => {
  it('verifying, then done: the token leaves the address at once and is sent once', async () => {
    resetMockDb('unverified');
    const sent: unknown[] = [];
    server.events.on('request:start', async ({ request }) => {
      if (new URL(request.url).pathname === '/api/email/verify') sent.push(await request.clone().json());
    });
    server.use(
      http.post('*/api/email/verify', async () => {
        await delay(150);
        return undefined;
      }),
    );
    const { router } = renderRoutes(routes, `/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByText('Confirming your address…')).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.hash).toBe(''));
    expect(await screen.findByRole('heading', { name: 'Your address is confirmed' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('demo@example.test is verified');
    expect(sent).toEqual([{ token: MOCK_VERIFY_TOKEN }]);
    expect(mockDb.users.get('demo')!.account.emailVerified).toBe(true);
    await userEvent.click(screen.getByRole('link', { name: 'Continue' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/account'));
  });

  it('done for an email change: says the new address is set', async () => {
    server.use(http.post('*/api/email/verify', () => HttpResponse.json({ email: 'new@example.test', emailVerified: true, changed: true })));
    renderRoutes(routes, '/verify-email#token=chg_mock-demo');
    expect(await screen.findByRole('heading', { name: 'Your new address is set' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('new@example.test is now the address of your account');
  });

  it.each([
    ['verify-expired', 'This link has expired'],
    ['verify-used', 'This link was already used'],
  ] as const)('%s: says so and offers the account page', async (scenario, heading) => {
    resetMockDb(scenario);
    renderRoutes(routes, `/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByRole('heading', { name: heading })).toBeInTheDocument();
    expect(screen.getByRole('alert')).not.toBeEmptyDOMElement();
    expect(screen.getByRole('link', { name: 'Go to your account' })).toBeInTheDocument();
  });

  it('invalid: an unknown token, or a second use of one', async () => {
    resetMockDb('unverified');
    const first = renderRoutes(routes, `/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByRole('heading', { name: 'Your address is confirmed' })).toBeInTheDocument();
    first.unmount();
    renderRoutes(routes, `/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByRole('heading', { name: 'This link was already used' })).toBeInTheDocument();
  });

  it('invalid: a token the BFF does not know', async () => {
    renderRoutes(routes, '/verify-email#token=vfy_not-a-real-one');
    expect(await screen.findByRole('heading', { name: 'This link is not valid' })).toBeInTheDocument();
  });

  it('another link opened in the same tab (only the fragment changes) is verified too', async () => {
    resetMockDb('unverified');
    const { router } = renderRoutes(routes, '/verify-email#token=vfy_not-a-real-one');
    expect(await screen.findByRole('heading', { name: 'This link is not valid' })).toBeInTheDocument();
    await router.navigate(`/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByRole('heading', { name: 'Your address is confirmed' })).toBeInTheDocument();
  });

  it('no token at all: says the link is needed, and sends nothing', async () => {
    let calls = 0;
    server.events.on('request:start', ({ request }) => {
      if (new URL(request.url).pathname === '/api/email/verify') calls++;
    });
    renderRoutes(routes, '/verify-email');
    expect(await screen.findByRole('heading', { name: 'This link is not valid' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('this address has no token');
    expect(calls).toBe(0);
  });

  it('a network failure: says so and offers to try again', async () => {
    server.use(http.post('*/api/email/verify', () => HttpResponse.error()));
    renderRoutes(routes, `/verify-email#token=${MOCK_VERIFY_TOKEN}`);
    expect(await screen.findByRole('heading', { name: 'Your address could not be confirmed' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
