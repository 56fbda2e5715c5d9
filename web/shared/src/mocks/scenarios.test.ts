import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { DEV_ORIGINS } from '../lib/client-config';
import { mockDb, resetMockDb } from './db';
import { describeMockState, loadMockState, MOCK_STATE_COOKIE, renderMockPanel, requestedScenario, saveMockState, sharedCookieDomain, syncMockState } from './mock-state';

/*
 * The scenarios of `npm run dev:mock` at the handler level, and the state the
 * two SPAs share through a cookie. Runs in web-app1's project (jsdom, and the
 * msw server of web/shared/src/testing installed by its setup file).
 */

const post = (url: string, json: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
const problemOf = async (res: Response) => ProblemSchema.parse(await res.json());

/** Another page (the other app, another tab): its own mocks in memory, the same document cookies. */
async function otherPage() {
  vi.resetModules();
  const [state, db] = await Promise.all([import('./mock-state'), import('./db')]);
  return { ...state, mockDb: db.mockDb };
}

afterEach(() => {
  document.cookie = `${MOCK_STATE_COOKIE}=; Path=/; Max-Age=0`;
  window.history.replaceState(null, '', '/');
  document.getElementById('sso-mock-scenario')?.remove();
});

describe('mock scenarios, as the handlers answer them', () => {
  it('throttled: nobody is signed in, renewal cannot help, and a sign-in answers 429 with the wait', async () => {
    resetMockDb('throttled');
    const session = await fetch(`${DEV_ORIGINS.app1}/api/session`);
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ user: null });
    expect((await problemOf(await post(`${DEV_ORIGINS.app1}/api/session/refresh`))).code).toBe('UNAUTHENTICATED');
    const login = await post(`${DEV_ORIGINS.app1}/api/login`, { username: 'demo', password: 'demo-password' });
    expect(login.status).toBe(429);
    expect(login.headers.get('retry-after')).toBe('42');
    expect(await problemOf(login)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 42 });
  });

  it('unavailable: app 1 does not answer at all, app 2 answers IDENTITY_UNAVAILABLE', async () => {
    resetMockDb('unavailable');
    await expect(fetch(`${DEV_ORIGINS.app1}/api/session`)).rejects.toThrow(TypeError);
    await expect(post(`${DEV_ORIGINS.app1}/api/login`, { username: 'demo', password: 'demo-password' })).rejects.toThrow(TypeError);
    await expect(post(`${DEV_ORIGINS.app1}/api/session/refresh`)).rejects.toThrow(TypeError);
    const me = await fetch(`${DEV_ORIGINS.app2}/api/me`);
    expect(me.status).toBe(503);
    expect((await problemOf(me)).code).toBe('IDENTITY_UNAVAILABLE');
  });

  it('signed-out: with neither cookie app 1 answers { user: null } (200), while app 2 answers 401 UNAUTHENTICATED with the login URL', async () => {
    resetMockDb('signed-out');
    const session = await fetch(`${DEV_ORIGINS.app1}/api/session`);
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ user: null });
    const me = await fetch(`${DEV_ORIGINS.app2}/api/me`);
    expect(me.status).toBe(401);
    expect(await problemOf(me)).toMatchObject({ code: 'UNAUTHENTICATED', loginUrl: `${DEV_ORIGINS.app1}/login` });
  });

  it('session-ended: the refresh cookie is still there, so the session check answers 401 and the renewal says why', async () => {
    resetMockDb('session-ended');
    expect((await problemOf(await fetch(`${DEV_ORIGINS.app1}/api/session`))).code).toBe('UNAUTHENTICATED');
    expect(await problemOf(await post(`${DEV_ORIGINS.app1}/api/session/refresh`))).toMatchObject({ code: 'SESSION_ENDED', reason: 'idle' });
    // Both cookies are cleared now: the next check is the signed-out answer.
    expect(await (await fetch(`${DEV_ORIGINS.app1}/api/session`)).json()).toEqual({ user: null });
  });

  it('expired: the session check says SESSION_EXPIRED, one renewal fixes it, and the renewal is counted', async () => {
    resetMockDb('expired');
    expect((await problemOf(await fetch(`${DEV_ORIGINS.app1}/api/session`))).code).toBe('SESSION_EXPIRED');
    expect((await post(`${DEV_ORIGINS.app1}/api/session/refresh`)).status).toBe(200);
    expect((await fetch(`${DEV_ORIGINS.app1}/api/session`)).status).toBe(200);
    expect(mockDb.renewals).toBe(1);
    expect(describeMockState()).toBe('session of demo · token valid · refresh calls: 1');
  });
});

describe('one mock state for both SPAs', () => {
  it('?mock=<name> starts that scenario and leaves the URL, so a returnTo built from it does not start it again', () => {
    window.history.replaceState(null, '', '/profile?tab=1&mock=signed-out#top');
    expect(loadMockState()).toBe('signed-out');
    expect(mockDb.signedInUserId).toBeNull();
    expect(window.location.pathname + window.location.search + window.location.hash).toBe('/profile?tab=1#top');
  });

  it('the other app (another worker, its own memory) takes up the state from the shared cookie', async () => {
    window.history.replaceState(null, '', '/?mock=signed-out');
    loadMockState(); // app 2's page
    const app1 = await otherPage(); // app 1's page: fresh memory, signed in
    expect(app1.mockDb.signedInUserId).toBe('usr_demo');
    window.history.replaceState(null, '', '/login');
    expect(app1.loadMockState()).toBe('signed-out');
    expect(app1.mockDb.signedInUserId).toBeNull();
  });

  it('a change one app saves (a sign-in) reaches the other before its next answer', async () => {
    window.history.replaceState(null, '', '/?mock=signed-out');
    loadMockState(); // app 2 sends the browser to app 1 ...
    const app1 = await otherPage();
    app1.loadMockState();
    app1.mockDb.signedInUserId = 'usr_demo'; // ... which signs in
    app1.mockDb.token = 'valid';
    app1.saveMockState(); // after its handler answered
    expect(mockDb.signedInUserId).toBeNull(); // app 2's memory, from before
    syncMockState(); // app 2, as its next request starts
    expect(mockDb.signedInUserId).toBe('usr_demo');
    expect(mockDb.token).toBe('valid');
  });

  it('a reload without ?mock carries on, and the first visit starts the default', async () => {
    expect(loadMockState()).toBe('default');
    mockDb.renewals = 3;
    saveMockState();
    const reloaded = await otherPage();
    expect(reloaded.loadMockState()).toBe('default');
    expect(reloaded.mockDb.renewals).toBe(3);
  });

  it('ignores an unknown scenario name and a cookie that does not parse', () => {
    expect(requestedScenario('http://app1.sso.localhost:5171/?mock=nonsense')).toBeNull();
    document.cookie = `${MOCK_STATE_COOKIE}=${encodeURIComponent('{"scenario":"signed-out"}')}; Path=/`;
    expect(loadMockState()).toBe('default');
    expect(mockDb.signedInUserId).toBe('usr_demo');
  });

  it('keeps the cookie under the 4096 bytes browsers store, dropping the oldest signed-up users first', async () => {
    loadMockState();
    for (let i = 0; i < 40; i++) {
      const account = { id: `usr_user${i}`, username: `user${i}`, email: `user${i}@example.test`, emailVerified: false, name: `User Number ${i}`, createdAt: new Date().toISOString(), groups: [] };
      mockDb.users.set(account.username, { account, password: 'correct horse battery' });
    }
    mockDb.signedInUserId = 'usr_user0';
    saveMockState();
    const cookie = document.cookie.split('; ').find((c) => c.startsWith(`${MOCK_STATE_COOKIE}=`))!;
    expect(cookie.length).toBeLessThan(4000);
    const next = await otherPage();
    next.loadMockState();
    expect(next.mockDb.users.has('demo')).toBe(true);
    expect(next.mockDb.users.has('user0')).toBe(true); // the signed-in one stays
    expect(next.mockDb.users.has('user39')).toBe(true); // the newest stay
    expect(next.mockDb.users.has('user1')).toBe(false);
  });

  it('shares the cookie on the parent domain of the dev origins, and only there', () => {
    expect(sharedCookieDomain('app1.sso.localhost')).toBe('sso.localhost');
    expect(sharedCookieDomain('app2.sso.localhost')).toBe('sso.localhost');
    expect(sharedCookieDomain('127.0.0.1')).toBeNull();
    expect(sharedCookieDomain('evil-sso.localhost')).toBeNull();
  });

  it('the panel names the scenario, what it shows, the renewals so far, and offers a restart', () => {
    resetMockDb('expired');
    mockDb.renewals = 1;
    mockDb.token = 'valid';
    const panel = renderMockPanel();
    expect(panel).toHaveAccessibleName('Mock scenario');
    expect(panel).toHaveTextContent(/Mock scenario expired: .*one renewal and the page shows\./);
    expect(panel).toHaveTextContent('session of demo · token valid · refresh calls: 1');
    expect(panel.querySelector('a')).toHaveAttribute('href', '?mock=expired');
    expect(renderMockPanel()).toBe(panel); // updated in place, not added twice
  });
});
