import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { createTokenSigner, loadOrCreateKeySet } from '@sso/session';
import { MeResponseSchema, ProblemSchema } from '@sso/types';
import { Browser, startDomain, testClock, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
const logLines: string[] = [];
const sink = () =>
  createLogger({
    name: 'test',
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    }) as never,
  });

let domain: Domain;
const clock = testClock();
beforeAll(async () => {
  domain = await startDomain({ app1: { logger: sink(), now: clock.now }, app2: { logger: sink(), now: clock.now } });
});
afterAll(() => domain.stop());

const code = (body: unknown) => ProblemSchema.parse(body).code;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string; iat: number };

async function signedIn(username: string) {
  const b = new Browser(domain);
  const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD } });
  expect(res.status).toBe(201);
  return b;
}

describe('CSRF: state-changing requests need an allow-listed Origin and JSON', () => {
  const login = { username: 'nobody', password: PASSWORD };
  it.each([
    ['a foreign origin', 'https://evil.test'],
    ['a look-alike origin', 'http://app1.sso.localhost.evil.test'],
    ['a look-alike with our port', `http://app1.sso.localhost:1.evil.test`],
    ['Origin: null (sandboxed iframe, file://)', 'null'],
    ['a sibling that is not an app', 'http://evil.sso.localhost:3001'],
  ])('refuses %s with 403 FORBIDDEN_ORIGIN', async (_name, origin) => {
    const res = await new Browser(domain).request('app1', '/api/login', { json: login, origin });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('FORBIDDEN_ORIGIN');
  });

  it('refuses a request with no Origin header', async () => {
    const res = await new Browser(domain).request('app1', '/api/logout', { json: {}, origin: null });
    expect(res.status).toBe(403);
  });

  it('refuses Sec-Fetch-Site: cross-site even with a listed Origin', async () => {
    const res = await new Browser(domain).request('app1', '/api/login', { json: login, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses a %s body (what an HTML form can send) with 415', async (type) => {
    const res = await new Browser(domain).request('app1', '/api/logout', { rawBody: '{}', headers: { 'content-type': type } });
    expect(res.status).toBe(415);
  });

  it('a forged cross-site sign-out does not revoke the session', async () => {
    const b = await signedIn('csrf-victim');
    const forged = await b.request('app1', '/api/logout', { json: {}, origin: 'https://evil.test' });
    expect(forged.status).toBe(403);
    expect((await b.request('app2', '/api/me')).status).toBe(200);
  });

  it('grants credentialed CORS to app origins only and never reflects another', async () => {
    const preflight = (origin: string) =>
      fetch(`${domain.urls.app1}/api/session/refresh`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const ok = await preflight(domain.origins.app2);
    expect(ok.headers.get('access-control-allow-origin')).toBe(domain.origins.app2);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    for (const evil of ['https://evil.test', 'http://app2.sso.localhost.evil.test', 'null']) {
      const res = await preflight(evil);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});

describe('open redirects: returnTo falls back to the home page', () => {
  const hostile = [
    'https://evil.test',
    '//evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    'https:evil.test',
    'http:/evil.test',
    'javascript:alert(1)',
    'data:text/html,x',
    '%2F%2Fevil.test',
    '/%09/evil.test',
    ' //evil.test',
    'APP1.evil.test',
    'APP1@evil.test',
    'APP2/\r\nSet-Cookie: x=1',
    'APP2/%0d%0aSet-Cookie:x=1\n',
    'JAVASCRIPT_APP',
  ];
  it.each(hostile)('%j', async (raw) => {
    await signedIn(`redir${Math.random().toString(36).slice(2, 8)}`);
    const value = raw
      .replace('APP1', domain.origins.app1)
      .replace('APP2', domain.origins.app2)
      .replace('JAVASCRIPT_APP', `javascript://${domain.origins.app2.slice(7)}/%0aalert(1)`);
    const b = new Browser(domain);
    const username = `r${Math.random().toString(36).slice(2, 10)}`;
    const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, returnTo: value } });
    expect(res.status).toBe(201);
    expect(res.body.redirectTo).toBe(`${domain.origins.app1}/account`);
  });

  it('an allow-listed app URL is kept', async () => {
    const res = await new Browser(domain).request('app1', '/api/signup', {
      json: { username: 'redir-ok', password: PASSWORD, returnTo: `${domain.origins.app2}/deep/link?q=1#frag` },
    });
    expect(res.body.redirectTo).toBe(`${domain.origins.app2}/deep/link?q=1#frag`);
  });
});

describe('refresh tokens: rotation and theft detection', () => {
  it('refresh rotates the refresh cookie and re-issues the domain token', async () => {
    const b = await signedIn('rotator');
    const oldRefresh = b.cookie('__Host-sso-refresh');
    const oldToken = b.cookie('__Secure-sso')!;
    clock.advance(1_100); // the injected clock: the new token's iat is a second later
    const res = await b.request('app1', '/api/session/refresh', { json: {} });
    expect(res.status).toBe(200);
    expect(b.cookie('__Host-sso-refresh')).not.toBe(oldRefresh);
    expect(b.cookie('__Secure-sso')).not.toBe(oldToken);
    expect(claimsOf(b.cookie('__Secure-sso')!).iat).toBeGreaterThan(claimsOf(oldToken).iat);
    expect((await b.request('app2', '/api/me')).status).toBe(200);
  });

  it('replaying a rotated refresh token after the grace window revokes the whole session, for the thief and the owner', async () => {
    const owner = await signedIn('stolen-refresh');
    const stolen = owner.cookie('__Host-sso-refresh')!;
    expect((await owner.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const sid = claimsOf(owner.cookie('__Secure-sso')!).sid;

    clock.advance(11_000); // past SSO_REFRESH_GRACE (10 s)
    const thief = new Browser(domain);
    thief.setCookie('__Host-sso-refresh', stolen, 'app1');
    const replay = await thief.request('app1', '/api/session/refresh', { json: {} });
    expect(replay.status).toBe(401);
    expect(code(replay.body)).toBe('REFRESH_REUSED');
    expect(replay.body.reason).toBe('reused');

    // The owner's current refresh token is dead too, and app 2 stops accepting the owner's token.
    const ownerToken = owner.cookie('__Secure-sso')!;
    const ownerRefresh = await owner.request('app1', '/api/session/refresh', { json: {} });
    expect(ownerRefresh.status).toBe(401);
    expect(owner.cookie('__Secure-sso')).toBeUndefined();
    await domain.app2!.revocations.sync();
    const atApp2 = await fetch(`${domain.urls.app2}/api/me`, { headers: { cookie: `__Secure-sso=${ownerToken}` } });
    expect(atApp2.status).toBe(401);
    expect(sid).toMatch(/^ses_/);
  });

  it('within the grace window the rotated-away token renews once more without rotating: two tabs at once are one browser', async () => {
    const owner = await signedIn('two-tabs');
    const shared = owner.cookie('__Host-sso-refresh')!;
    // Two requests left the browser with the same cookie; the first rotated it.
    const first = await owner.request('app1', '/api/session/refresh', { json: {} });
    expect(first.status).toBe(200);
    const rotated = owner.cookie('__Host-sso-refresh')!;
    const second = await fetch(`${domain.urls.app1}/api/session/refresh`, {
      method: 'POST',
      headers: { cookie: `__Host-sso-refresh=${shared}`, origin: domain.origins.app2, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(second.status).toBe(200);
    // A fresh domain token, and no refresh cookie: the browser keeps the one the first answer set.
    expect(second.headers.getSetCookie().some((c) => c.startsWith('__Secure-sso='))).toBe(true);
    expect(second.headers.getSetCookie().some((c) => c.startsWith('__Host-sso-refresh='))).toBe(false);
    // The session lives on with the rotated token.
    expect((await owner.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(owner.cookie('__Host-sso-refresh')).not.toBe(rotated);
  });

  it('refresh works cross-origin from app 2 with credentialed CORS', async () => {
    const b = await signedIn('cross-refresh');
    const res = await b.request('app1', '/api/session/refresh', { json: {}, origin: domain.origins.app2 });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(domain.origins.app2);
  });

  it('refresh without a refresh cookie answers 401 and clears cookies', async () => {
    const res = await new Browser(domain).request('app1', '/api/session/refresh', { json: {} });
    expect(res.status).toBe(401);
    expect(code(res.body)).toBe('UNAUTHENTICATED');
  });
});

describe('cookies', () => {
  it('a cookie planted by a sibling next to the real one never authenticates', async () => {
    const victim = await signedIn('planted-victim');
    const attacker = await signedIn('planted-attacker');
    const header = `__Secure-sso=${attacker.cookie('__Secure-sso')}; __Secure-sso=${victim.cookie('__Secure-sso')}`;
    const res = await new Browser(domain).request('app2', '/api/me', { headers: { cookie: header } });
    expect(res.status).toBe(401);
    expect(code(res.body)).toBe('UNAUTHENTICATED');
  });

  it('sign-out clears both cookies with the attributes they were set with', async () => {
    const b = new Browser(domain);
    const set = await b.request('app1', '/api/signup', { json: { username: 'clearer', password: PASSWORD } });
    const out = await b.request('app1', '/api/logout', { json: {} });
    const attrs = (header: string) => header.split('; ').slice(1).filter((a) => !/^(Max-Age|Expires)=/.test(a)).sort();
    for (const name of ['__Secure-sso', '__Host-sso-refresh']) {
      const s = set.setCookies.find((c) => c.startsWith(`${name}=`))!;
      const c = out.setCookies.find((c) => c.startsWith(`${name}=`))!;
      expect(c).toMatch(/Max-Age=0/);
      expect(attrs(c)).toEqual(attrs(s));
    }
    // A host-only variant of the token cookie (left by an older, Domain-less setup) is cleared too.
    expect(out.setCookies.filter((c) => c.startsWith('__Secure-sso=') && !/Domain=/.test(c))).toEqual([
      expect.stringMatching(/^__Secure-sso=; Max-Age=0; Path=\/; Expires=.*; HttpOnly; Secure; SameSite=Lax$/),
    ]);
  });

  it('auth responses are never cached', async () => {
    const b = await signedIn('nocache');
    for (const [app, path] of [['app1', '/api/session'], ['app2', '/api/me']] as const) {
      expect((await b.request(app, path)).headers.get('cache-control')).toBe('no-store');
    }
  });

  it('a strict CSP is sent with the SPA', async () => {
    const res = await fetch(`${domain.urls.app2}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${domain.origins.app1}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });
});

describe('hostile subjects', () => {
  it.each(['__proto__', 'constructor', 'prototype', 'toString'])('sub %j is provisioned as a plain key with no prototype pollution', async (sub) => {
    const keys = await loadOrCreateKeySet({ dir: domain.dataDir, retainSeconds: 605 });
    const signer = createTokenSigner({ issuer: domain.origins.app1, audience: 'sso.localhost', method: { alg: 'EdDSA', currentKey: keys.current } });
    const { token } = await signer.sign({ sub, sid: `ses_${sub}`, preferred_username: 'polluter', name: 'x' });
    const b = new Browser(domain);
    b.setCookie('__Secure-sso', token);
    const first = await b.request('app2', '/api/me');
    expect(first.status).toBe(200);
    const me = MeResponseSchema.parse(first.body).user;
    expect(me.sub).toBe(sub);
    expect(MeResponseSchema.parse((await b.request('app2', '/api/me')).body).user.id).toBe(me.id);
    expect(({} as Record<string, unknown>).username).toBeUndefined();
    expect(({} as Record<string, unknown>).polluter).toBeUndefined();
  });
});

describe('revocation everywhere', () => {
  /** Polls until app 2 refuses the token (the revocation feed's staleness), at most 3 s. */
  async function refusedWithin(b: Browser): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 3000) {
      if ((await b.request('app2', '/api/me')).status === 401) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    return Infinity;
  }

  it('"sign out everywhere" ends every session of the user at app 2', async () => {
    const laptop = await signedIn('many-devices');
    const phone = new Browser(domain);
    await phone.request('app1', '/api/login', { json: { username: 'many-devices', password: PASSWORD } });
    expect((await phone.request('app2', '/api/me')).status).toBe(200);
    const out = await laptop.request('app1', '/api/logout', { json: { everywhere: true } });
    expect(out.body.revokedSessions).toBe(2);
    expect(await refusedWithin(phone)).toBeLessThan(2000);
    expect((await phone.request('app1', '/api/session/refresh', { json: {} })).status).toBe(401);
  });

  it('a password change signs out the other sessions and keeps this browser signed in', async () => {
    const here = await signedIn('changer');
    const elsewhere = new Browser(domain);
    await elsewhere.request('app1', '/api/login', { json: { username: 'changer', password: PASSWORD } });
    const wrong = await here.request('app1', '/api/account/password', { json: { currentPassword: 'nope nope', newPassword: 'brand new password' } });
    expect(wrong.status).toBe(401);
    expect(code(wrong.body)).toBe('INVALID_CREDENTIALS');
    const ok = await here.request('app1', '/api/account/password', { json: { currentPassword: PASSWORD, newPassword: 'brand new password' } });
    expect(ok.status).toBe(200);
    expect(ok.body.revokedSessions).toBe(1);
    expect(await refusedWithin(elsewhere)).toBeLessThan(2000);
    expect((await here.request('app2', '/api/me')).status).toBe(200);
    const oldLogin = await new Browser(domain).request('app1', '/api/login', { json: { username: 'changer', password: PASSWORD } });
    expect(oldLogin.status).toBe(401);
    const newLogin = await new Browser(domain).request('app1', '/api/login', { json: { username: 'changer', password: 'brand new password' } });
    expect(newLogin.status).toBe(200);
  });

  it('disabling a user revokes their sessions everywhere and blocks sign-in', async () => {
    const b = await signedIn('to-disable');
    const { disableUser } = await import('../app1/src/routes/account');
    const ctx = domain.app1.context;
    const user = await ctx.users.findByUsername('to-disable');
    expect((await disableUser(ctx, user!.id)).length).toBe(1);
    expect(await refusedWithin(b)).toBeLessThan(2000);
    const login = await new Browser(domain).request('app1', '/api/login', { json: { username: 'to-disable', password: PASSWORD } });
    expect(login.status).toBe(401);
  });
});

describe('logs', () => {
  it('no password, token or cookie value appears in any log line', async () => {
    const b = await signedIn('logcheck');
    await b.request('app2', '/api/me');
    await b.request('app1', '/api/session/refresh', { json: {} });
    await b.request('app1', '/api/logout', { json: {} });
    await new Browser(domain).request('app1', '/api/login', { json: { username: 'logcheck', password: 'wrong-password-value' } });
    const all = logLines.join('');
    expect(all).toContain('login.failure');
    expect(all).toContain('provision');
    for (const secret of [PASSWORD, 'wrong-password-value', 'eyJ']) expect(all).not.toContain(secret);
  });
});
