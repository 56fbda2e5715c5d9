import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { loadConfig } from '../app1/src/config';
import { checkForwardAuth } from '../../scripts/doctor-forward-auth';
import { Browser, startDomain, testClock, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
const TOKEN_COOKIE = '__Secure-sso';
const RULES = `
# The proxied app of these tests
app4.sso.localhost   /public   public
app4.sso.localhost   /admin    groups admins
app4.sso.localhost   /vault    mfa
app4.sso.localhost   /ops      mfa 300 groups admins
app4.sso.localhost   /         signed_in
old.sso.localhost    /         deny
`;
const APP4 = 'http://app4.sso.localhost:8080';

const clock = testClock();
let domain: Domain;
let rulesDir: string;
beforeAll(async () => {
  rulesDir = await mkdtemp(path.join(tmpdir(), 'sso-rules-'));
  await writeFile(path.join(rulesDir, 'rules'), RULES);
  // The tests' requests come from 127.0.0.1: the proxy, as far as app 1 can tell.
  domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: 'loopback', SSO_ACCESS_RULES: path.join(rulesDir, 'rules') }, app1: { now: clock.now } });
});
afterAll(async () => {
  await domain.stop();
  await rm(rulesDir, { recursive: true, force: true });
});

async function signedIn(username: string, extra: { email?: string; name?: string } = {}) {
  const b = new Browser(domain);
  expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...extra } })).status).toBe(201);
  return b;
}

/**
 * Re-signs the browser's token with a `groups` claim, with app 1's own key:
 * the token the groups issue will issue (this version's tokens have none).
 */
/** Puts the account in exactly these groups, as an operator does (`npm run admin -- group add`). */
async function withGroups(b: Browser, groups: string[]) {
  const { sub } = decodeJwt(b.cookie(TOKEN_COOKIE)!);
  const users = domain.app1.context.users;
  for (const g of (await users.findById(sub!))!.groups) await users.removeGroup(sub!, g);
  for (const g of groups) await users.addGroup(sub!, g, 20);
}

/** What nginx's auth_request sends for a browser asking for `url`. */
const nginxAsks = (b: Browser, url: string, headers: Record<string, string> = {}) =>
  b.request('app1', '/api/authz/auth-request', { headers: { 'x-original-url': url, 'x-original-method': 'GET', ...headers } });

/** What Caddy's forward_auth sends (the original request's headers, plus X-Forwarded-*). */
const caddyAsks = (b: Browser, url: string, init: { method?: string; accept?: string } = {}) => {
  const u = new URL(url);
  return b.request('app1', '/api/authz/forward-auth', {
    headers: {
      'x-forwarded-proto': u.protocol.slice(0, -1),
      'x-forwarded-host': u.host,
      'x-forwarded-uri': `${u.pathname}${u.search}`,
      'x-forwarded-method': init.method ?? 'GET',
      accept: init.accept ?? 'text/html,application/xhtml+xml',
    },
  });
};

const loginFor = (target: string) => `${domain.origins.app1}/login?returnTo=${encodeURIComponent(target)}`;
const stepUpFor = (target: string, maxAge?: number) =>
  `${domain.origins.app1}/login/step-up?${new URLSearchParams({ returnTo: target, ...(maxAge !== undefined ? { max_age: String(maxAge) } : {}) })}`;

/** What a step-up at app 1 records on the browser's server session (ADR 032), `agoMs` before the clock's now. */
async function steppedUp(b: Browser, agoMs = 0) {
  const { sid } = decodeJwt(b.cookie(TOKEN_COOKIE)!) as { sid: string };
  expect(await domain.app1.context.sessionStore.reauthenticate(sid, ['pwd', 'otp', 'mfa'], clock.now() - agoMs)).not.toBeNull();
}

describe('forward auth: nginx auth_request', () => {
  it('without a session: 401 with Location = app 1 sign-in, returning to the proxied URL', async () => {
    const res = await nginxAsks(new Browser(domain), `${APP4}/notes?id=7`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(loginFor(`${APP4}/notes?id=7`));
    expect(ProblemSchema.parse(res.body).code).toBe('UNAUTHENTICATED');
  });

  it('signed in: 200 with the Remote-* headers of the token', async () => {
    const b = await signedIn('fa-alice', { email: 'alice@example.com', name: 'Alice Ångström' });
    const res = await nginxAsks(b, `${APP4}/notes`);
    expect(res.status).toBe(200);
    const sub = decodeJwt(b.cookie(TOKEN_COOKIE)!).sub;
    expect(res.headers.get('remote-user')).toBe('fa-alice');
    expect(res.headers.get('remote-id')).toBe(sub);
    expect(res.headers.get('remote-email')).toBe('alice@example.com');
    expect(res.headers.get('remote-groups')).toBe('');
    // UTF-8 on the wire (fetch reads header bytes as Latin-1).
    expect(Buffer.from(res.headers.get('remote-name')!, 'latin1').toString('utf8')).toBe('Alice Ångström');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a group rule: 403 without the group, 200 with it (Remote-Groups lists them)', async () => {
    const b = await signedIn('fa-grouped');
    expect((await nginxAsks(b, `${APP4}/admin/users`)).status).toBe(403);
    await withGroups(b, ['staff']);
    expect((await nginxAsks(b, `${APP4}/admin/users`)).status).toBe(403);
    await withGroups(b, ['staff', 'admins']);
    const ok = await nginxAsks(b, `${APP4}/admin/users`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('remote-groups')).toBe('staff,admins');
  });

  it.each(['/public/../admin', '/public/%2e%2e/admin', '/%61dmin/x', '//admin', '/ADMIN'])('%s is the admin area: no way round the group rule', async (trick) => {
    const b = await signedIn(`fa-trick${Math.random().toString(36).slice(2, 8)}`);
    expect((await nginxAsks(b, `${APP4}${trick}`)).status).toBe(403);
    expect((await nginxAsks(new Browser(domain), `${APP4}${trick}`)).status).toBe(401);
  });

  it('a public path passes without a session', async () => {
    const res = await nginxAsks(new Browser(domain), `${APP4}/public/logo.png`);
    expect(res.status).toBe(200);
    // Sent empty, so a proxy that copies them overwrites a client's own values.
    for (const name of ['remote-user', 'remote-id', 'remote-groups', 'remote-email', 'remote-name']) expect(res.headers.get(name), name).toBe('');
  });

  it('a denied host, or a host outside the parent domain, is refused even when signed in', async () => {
    const b = await signedIn('fa-denied');
    expect((await nginxAsks(b, 'http://old.sso.localhost/')).status).toBe(403);
    expect((await nginxAsks(b, 'https://evil.test/')).status).toBe(403);
    expect((await nginxAsks(new Browser(domain), 'https://evil.test/')).headers.get('location')).toBeNull();
  });

  it('a host without a rule under the parent domain needs a sign-in', async () => {
    const b = await signedIn('fa-unnamed');
    expect((await nginxAsks(b, 'http://unnamed.sso.localhost/')).status).toBe(200);
    expect((await nginxAsks(new Browser(domain), 'http://unnamed.sso.localhost/')).status).toBe(401);
  });

  it('a missing or unusable X-Original-URL is a 400 problem, never a 500', async () => {
    const b = await signedIn('fa-bad');
    for (const headers of [{} as Record<string, string>, { 'x-original-url': 'not a url' }, { 'x-original-url': 'ftp://app4.sso.localhost/' }, { 'x-original-url': `${APP4}/%E0%A4%A` }]) {
      const res = await b.request('app1', '/api/authz/auth-request', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(ProblemSchema.parse(res.body).code).toBe('BAD_REQUEST');
    }
  });

  it('a burst of concurrent checks gets the same answers as one at a time', async () => {
    const b = await signedIn('fa-burst');
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => nginxAsks(b, `${APP4}/${i % 2 ? 'admin' : 'notes'}`)));
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 60 }, (_, i) => (i % 2 ? 403 : 200)));
  });
});

describe('forward auth: Caddy / Traefik forward_auth', () => {
  it('a browser without a session is redirected: 302 for GET, 303 for POST', async () => {
    const b = new Browser(domain);
    const get = await caddyAsks(b, `${APP4}/notes?x=1`);
    expect(get.status).toBe(302);
    expect(get.headers.get('location')).toBe(loginFor(`${APP4}/notes?x=1`));
    const post = await caddyAsks(b, `${APP4}/notes`, { method: 'POST' });
    expect(post.status).toBe(303);
  });

  it('a fetch that does not ask for HTML gets 401 with the login URL, not a redirect', async () => {
    const res = await caddyAsks(new Browser(domain), `${APP4}/api/x`, { accept: 'application/json' });
    expect(res.status).toBe(401);
    expect(ProblemSchema.parse(res.body)).toMatchObject({ code: 'UNAUTHENTICATED', loginUrl: `${domain.origins.app1}/login` });
  });

  it('403 is a page for a browser and a problem for anything else', async () => {
    const b = await signedIn('fa-caddy403');
    const page = await caddyAsks(b, `${APP4}/admin`);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('Access denied');
    expect(page.body).toContain('fa-caddy403');
    const api = await caddyAsks(b, `${APP4}/admin`, { accept: 'application/json' });
    expect(ProblemSchema.parse(api.body).code).toBe('ACCESS_DENIED');
  });

  it('signed in: 200 with the user', async () => {
    const b = await signedIn('fa-bob');
    const res = await caddyAsks(b, `${APP4}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('remote-user')).toBe('fa-bob');
  });
});

describe('forward auth: mfa rules ask for a step-up, never a new sign-in', () => {
  it('nginx: a password-only session gets 401 with Location = app 1\'s step-up page, returning to the proxied URL', async () => {
    const b = await signedIn('fa-mfa-nginx');
    const res = await nginxAsks(b, `${APP4}/vault/doc?id=3`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(stepUpFor(`${APP4}/vault/doc?id=3`));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(ProblemSchema.parse(res.body)).toMatchObject({ code: 'STEP_UP_REQUIRED', stepUpUrl: `${domain.origins.app1}/login/step-up` });
    // The step-up page will send the browser back there (a host the rules file names).
    const status = await b.request('app1', `/api/session/step-up?${new URL(res.headers.get('location')!).searchParams}`);
    expect(status.body).toMatchObject({ satisfied: false, redirectTo: `${APP4}/vault/doc?id=3` });
    await steppedUp(b);
    const ok = await nginxAsks(b, `${APP4}/vault/doc?id=3`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('remote-user')).toBe('fa-mfa-nginx');
  });

  it('not signed in: the sign-in page, not the step-up page', async () => {
    const res = await nginxAsks(new Browser(domain), `${APP4}/vault`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(loginFor(`${APP4}/vault`));
    const caddy = await caddyAsks(new Browser(domain), `${APP4}/vault`);
    expect(caddy.status).toBe(302);
    expect(caddy.headers.get('location')).toBe(loginFor(`${APP4}/vault`));
  });

  it('Caddy/Traefik: 302 (GET) or 303 (POST) to the step-up page for a browser, 401 STEP_UP_REQUIRED for a fetch', async () => {
    const b = await signedIn('fa-mfa-caddy');
    const get = await caddyAsks(b, `${APP4}/vault?x=1`);
    expect(get.status).toBe(302);
    expect(get.headers.get('location')).toBe(stepUpFor(`${APP4}/vault?x=1`));
    const post = await caddyAsks(b, `${APP4}/vault`, { method: 'POST' });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe(stepUpFor(`${APP4}/vault`));
    const api = await caddyAsks(b, `${APP4}/vault/api`, { accept: 'application/json' });
    expect(api.status).toBe(401);
    expect(api.headers.get('location')).toBeNull();
    expect(ProblemSchema.parse(api.body)).toMatchObject({ code: 'STEP_UP_REQUIRED', stepUpUrl: `${domain.origins.app1}/login/step-up` });
    await steppedUp(b);
    expect((await caddyAsks(b, `${APP4}/vault?x=1`)).status).toBe(200);
  });

  it('mfa with a max age: step-up (with max_age) once the second factor is older than it, by the injected clock', async () => {
    const b = await signedIn('fa-mfa-age');
    await withGroups(b, ['admins']);
    const first = await nginxAsks(b, `${APP4}/ops`);
    expect(first.status).toBe(401);
    expect(first.headers.get('location')).toBe(stepUpFor(`${APP4}/ops`, 300));
    expect(ProblemSchema.parse(first.body).stepUpUrl).toBe(`${domain.origins.app1}/login/step-up?max_age=300`);
    await steppedUp(b, 298_000);
    expect((await nginxAsks(b, `${APP4}/ops`)).status).toBe(200);
    // A plain mfa rule has no age limit.
    expect((await nginxAsks(b, `${APP4}/vault`)).status).toBe(200);
    clock.advance(3_000);
    const old = await nginxAsks(b, `${APP4}/ops`);
    expect(old.status).toBe(401);
    expect(old.headers.get('location')).toBe(stepUpFor(`${APP4}/ops`, 300));
    expect((await nginxAsks(b, `${APP4}/vault`)).status).toBe(200);
  });

  it('mfa with groups: outside the groups is 403 (a step-up would not help), second factor or not', async () => {
    const b = await signedIn('fa-mfa-nogroup');
    expect((await nginxAsks(b, `${APP4}/ops`)).status).toBe(403);
    await steppedUp(b);
    expect((await nginxAsks(b, `${APP4}/ops`)).status).toBe(403);
    await withGroups(b, ['admins']);
    expect((await nginxAsks(b, `${APP4}/ops`)).status).toBe(200);
  });

  it.each(['/public/../vault', '/public/%2e%2e/vault', '/%76ault/x', '//vault', '/VAULT'])('%s is the mfa area: no way round the step-up, which is on app 1', async (trick) => {
    const b = await signedIn(`fa-mfa-trick${Math.random().toString(36).slice(2, 8)}`);
    const res = await nginxAsks(b, `${APP4}${trick}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')!.startsWith(`${domain.origins.app1}/login/step-up?returnTo=`)).toBe(true);
  });

  it('a stepped-up session that is signed out is refused at once (read from the store, like revocation)', async () => {
    const b = await signedIn('fa-mfa-revoked');
    await steppedUp(b);
    const thief = new Browser(domain);
    thief.setCookie(TOKEN_COOKIE, b.cookie(TOKEN_COOKIE)!);
    expect((await nginxAsks(thief, `${APP4}/vault`)).status).toBe(200);
    expect((await b.request('app1', '/api/logout', { json: {} })).status).toBeLessThan(300);
    const res = await nginxAsks(thief, `${APP4}/vault`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(loginFor(`${APP4}/vault`));
  });

  it('a burst of concurrent checks on an mfa rule gets the same answers as one at a time', async () => {
    const plain = await signedIn('fa-mfa-burst1');
    const strong = await signedIn('fa-mfa-burst2');
    await steppedUp(strong);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => nginxAsks(i % 2 ? strong : plain, `${APP4}/vault`)));
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 200 : 401)));
  });
});

describe('forward auth: renewal, revocation, disabled accounts', () => {
  it('an expired token is sent to app 1, which renews silently and sends the browser back to the proxied URL', async () => {
    const b = await signedIn('fa-renew');
    clock.advance(611_000);
    const res = await nginxAsks(b, `${APP4}/deep?q=1`);
    expect(res.status).toBe(401);
    const login = new URL(res.headers.get('location')!);
    const back = await b.request('app1', `${login.pathname}${login.search}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`${APP4}/deep?q=1`);
    expect((await nginxAsks(b, `${APP4}/deep?q=1`)).status).toBe(200);
  });

  it('app 1 sends a browser back only to proxied hosts the rules file names, not to any host under the domain', async () => {
    const b = await signedIn('fa-back');
    b.drop(TOKEN_COOKIE);
    const named = await b.request('app1', `/login?returnTo=${encodeURIComponent(`${APP4}/x`)}`);
    expect(named.headers.get('location')).toBe(`${APP4}/x`);
    b.drop(TOKEN_COOKIE);
    const unnamed = await b.request('app1', `/login?returnTo=${encodeURIComponent('http://unnamed.sso.localhost/x')}`);
    expect(unnamed.headers.get('location')).toBe(`${domain.origins.app1}/account`);
    b.drop(TOKEN_COOKIE);
    const denied = await b.request('app1', `/login?returnTo=${encodeURIComponent('http://old.sso.localhost/x')}`);
    expect(denied.headers.get('location')).toBe(`${domain.origins.app1}/account`);
  });

  it('after sign-out, a copy of the token is refused at once', async () => {
    const b = await signedIn('fa-revoked');
    const thief = new Browser(domain);
    thief.setCookie(TOKEN_COOKIE, b.cookie(TOKEN_COOKIE)!);
    expect((await nginxAsks(thief, `${APP4}/`)).status).toBe(200);
    expect((await b.request('app1', '/api/logout', { json: {} })).status).toBeLessThan(300);
    expect((await nginxAsks(thief, `${APP4}/`)).status).toBe(401);
  });

  it('a disabled account is refused at once, with its token still unexpired', async () => {
    const b = await signedIn('fa-disabled');
    expect((await nginxAsks(b, `${APP4}/`)).status).toBe(200);
    const user = await domain.app1.context.users.findByUsername('fa-disabled');
    await domain.app1.context.users.setDisabled(user!.id, new Date(clock.now()).toISOString());
    expect((await nginxAsks(b, `${APP4}/`)).status).toBe(401);
  });
});

describe('forward auth: forwarded headers only from TRUST_PROXY', () => {
  it('a caller that is not a trusted proxy is refused, whatever it claims, and never told a login URL', async () => {
    const own = await startDomain({ withApp2: false, env: { SSO_ACCESS_RULES: path.join(rulesDir, 'rules') } });
    try {
      const b = new Browser(own);
      expect((await b.request('app1', '/api/signup', { json: { username: 'fa-direct', password: PASSWORD } })).status).toBe(201);
      for (const res of [
        await b.request('app1', '/api/authz/auth-request', { headers: { 'x-original-url': `${APP4}/public/x` } }),
        await b.request('app1', '/api/authz/forward-auth', { headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app4.sso.localhost', 'x-forwarded-uri': '/' } }),
      ]) {
        expect(res.status).toBe(403);
        expect(ProblemSchema.parse(res.body).code).toBe('ACCESS_DENIED');
        expect(res.headers.get('remote-user')).toBeNull();
        expect(res.headers.get('location')).toBeNull();
      }
    } finally {
      await own.stop();
    }
  });
});

describe('forward auth: the rules file is checked at start-up', () => {
  it('a mistake stops start-up with the file and line', async () => {
    const file = path.join(rulesDir, 'bad');
    await writeFile(file, 'app4.sso.localhost / signed_in\napp4.sso.localhost /admin groups admins\n');
    expect(() => loadConfig({ SSO_ACCESS_RULES: file })).toThrow(`SSO_ACCESS_RULES ${file}:2: this rule never applies`);
    expect(() => loadConfig({ SSO_ACCESS_RULES: path.join(rulesDir, 'missing') })).toThrow('cannot be read (ENOENT)');
  });
});

describe('npm run doctor checks forward auth', () => {
  it('says app 1 answers a proxy on this machine, and lists the rules with their lines', async () => {
    const config = loadConfig({ ...domain.env, TRUST_PROXY: 'loopback', SSO_ACCESS_RULES: path.join(rulesDir, 'rules') });
    const lines = await checkForwardAuth(config, domain.urls.app1);
    expect(lines).toContainEqual({ level: 'ok', text: expect.stringContaining('answers a proxy on this machine') });
    expect(lines).toContainEqual({ level: 'info', text: '  line 4: app4.sso.localhost /admin groups admins' });
  });

  it('warns when app 1 does not trust this machine', async () => {
    const own = await startDomain({ withApp2: false });
    try {
      const lines = await checkForwardAuth(loadConfig(own.env), own.urls.app1);
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([expect.stringContaining('TRUST_PROXY is off'), expect.stringContaining('refuses this machine (403)')]);
    } finally {
      await own.stop();
    }
  });
});
