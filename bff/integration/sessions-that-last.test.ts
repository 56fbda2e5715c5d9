import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { ProblemSchema } from '@sso/types';
import { Browser, startDomain, testClock, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
const clock = testClock();
let domain: Domain;
beforeAll(async () => {
  domain = await startDomain({ app1: { now: clock.now }, app2: { now: clock.now } });
});
afterAll(() => domain.stop());

async function signedIn(username: string) {
  const b = new Browser(domain);
  expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD } })).status).toBe(201);
  return b;
}

/** What a relying app does with a browser that has no valid token: send it to app 1's sign-in page. */
const loginPath = (returnTo: string) => `/login?returnTo=${encodeURIComponent(returnTo)}`;

describe('sessions that last: silent renewal at app 1', () => {
  it('past the token lifetime app 2 says SESSION_EXPIRED (the cookie outlives its token) with the login URL', async () => {
    const b = await signedIn('expiry');
    clock.advance(611_000);
    const me = await b.request('app2', '/api/me');
    expect(me.status).toBe(401);
    expect(ProblemSchema.parse(me.body)).toMatchObject({ code: 'SESSION_EXPIRED', loginUrl: `${domain.origins.app1}/login` });
  });

  it('GET /login with a live session renews on the server and sends the browser straight back, without the form', async () => {
    const b = await signedIn('renew-back');
    clock.advance(611_000);
    b.drop('__Secure-sso'); // even with the domain cookie gone
    const target = `${domain.origins.app2}/deep/page?q=1`;
    const res = await b.request('app1', loginPath(target));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(target);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await b.request('app2', '/api/me')).status).toBe(200);
  });

  it('an unlisted returnTo comes back to app 1, never to the other site', async () => {
    const b = await signedIn('renew-evil');
    b.drop('__Secure-sso');
    const res = await b.request('app1', loginPath('https://evil.test/steal'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${domain.origins.app1}/account`);
  });

  it('a token with most of its life left is not renewed again: an app that refuses fresh tokens cannot loop', async () => {
    const b = await signedIn('no-loop');
    const res = await b.request('app1', loginPath(`${domain.origins.app2}/`));
    expect(res.status).not.toBe(303); // the page itself (here: the unbuilt SPA's 503)
  });

  it('without a refresh cookie, the page is served as usual', async () => {
    const res = await new Browser(domain).request('app1', loginPath(`${domain.origins.app2}/`));
    expect(res.status).not.toBe(303);
  });

  it('after the idle timeout, the form comes back with the reason and returnTo, and the cookies are cleared', async () => {
    const b = await signedIn('idler');
    clock.advance(1_801_000);
    const target = `${domain.origins.app2}/`;
    const res = await b.request('app1', loginPath(target));
    expect(res.status).toBe(303);
    const again = new URL(res.headers.get('location')!, domain.origins.app1);
    expect(again.pathname).toBe('/login');
    expect(again.searchParams.get('returnTo')).toBe(target);
    expect(again.searchParams.get('ended')).toBe('idle');
    expect(b.cookie('__Host-sso-refresh')).toBeUndefined();
    expect(b.cookie('__Secure-sso')).toBeUndefined();
  });

  it.each([
    ['signed out everywhere on another device', 'signed-out-everywhere'],
    ['password changed on another device', 'password-changed'],
  ])('%s: this device is told why', async (_name, reason) => {
    const other = await signedIn(`why-${reason}`);
    const here = new Browser(domain);
    expect((await here.request('app1', '/api/login', { json: { username: `why-${reason}`, password: PASSWORD } })).status).toBe(200);
    if (reason === 'signed-out-everywhere') {
      expect((await other.request('app1', '/api/logout', { json: { everywhere: true } })).status).toBe(200);
    } else {
      expect((await other.request('app1', '/api/account/password', { json: { currentPassword: PASSWORD, newPassword: 'a new and longer passphrase' } })).status).toBe(200);
    }
    const refresh = await here.request('app1', '/api/session/refresh', { json: {} });
    expect(refresh.status).toBe(401);
    expect(ProblemSchema.parse(refresh.body)).toMatchObject({ code: 'SESSION_ENDED', reason });
  });

  it('renewal answers SESSION_ENDED with the reason after the absolute timeout, though the person stayed active', async () => {
    const b = await signedIn('absolute');
    for (let i = 0; i < 26; i++) {
      clock.advance(29 * 60_000); // active every 29 minutes: never idle
      const r = await b.request('app1', '/api/session/refresh', { json: {} });
      if (r.status !== 200) {
        expect(ProblemSchema.parse(r.body)).toMatchObject({ code: 'SESSION_ENDED', reason: 'absolute' });
        expect(i).toBe(24); // 25 × 29 min > 12 h
        return;
      }
    }
    throw new Error('the session outlived its absolute timeout');
  });
});

describe('a returnTo that is not an app of this domain', () => {
  it('is refused, and the log names the origin and the variable that would allow it', async () => {
    const lines: { event?: string; origin?: string; msg?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const own = await startDomain({ withApp2: false, app1: { logger: createLogger({ name: 'app1', level: 'info', destination: sink }) } });
    try {
      const b = new Browser(own);
      await b.request('app1', '/api/signup', { json: { username: 'wanderer', password: PASSWORD } });
      const res = await b.request('app1', '/api/login', { json: { username: 'wanderer', password: PASSWORD, returnTo: 'http://app9.sso.localhost:3009/x' } });
      expect(res.status).toBe(200);
      expect(res.body.redirectTo).toBe(`${own.origins.app1}/account`);
      const refused = lines.find((l) => l.event === 'return-to.refused');
      expect(refused).toMatchObject({ origin: 'http://app9.sso.localhost:3009' });
      expect(refused?.msg).toContain('SSO_EXTRA_ORIGINS');
    } finally {
      await own.stop();
    }
  });
});
