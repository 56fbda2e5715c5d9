import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { Browser, freePort, startDomain, type Domain } from './harness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let domain: Domain;
let app3: ChildProcess;
let url: string;

let origin: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://app3.sso.localhost:${port}`;
  domain = await startDomain({ env: { SSO_EXTRA_ORIGINS: origin } });
  url = `http://127.0.0.1:${port}`;
  app3 = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'examples/app3/server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, APP1_PORT: domain.env.APP1_PORT, APP1_ORIGIN: domain.origins.app1, APP3_PORT: String(port), APP3_DB: path.join(domain.dataDir, 'app3.json'), NODE_ENV: 'development' }, // lowdb keeps a 'test' store in memory only
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/api/me`).then((r) => r.status === 401, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('app 3 did not start');
});
afterAll(async () => {
  app3.kill('SIGTERM');
  await domain.stop();
});

/** A browser's page load (fetch always says `Sec-Fetch-Mode: cors`, so plain http here). */
function navigate(target: string, cookie?: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(target, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', ...(cookie ? { cookie } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
    });
    req.on('error', reject);
  });
}

/** The newest verification link's token mailed to `to` (file outbox). */
async function verificationToken(to: string): Promise<string> {
  await domain.app1.context.mailer.idle();
  const dir = path.join(domain.dataDir, 'outbox');
  const mails = await Promise.all((await readdir(dir)).sort().map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { to: string; text: string }));
  return /#token=(vfy_[A-Za-z0-9_-]+)/.exec(mails.filter((m) => m.to === to).at(-1)!.text)![1]!;
}

describe('a third app built with the kit', () => {
  it('a route that requires a verified email: 403 ACCESS_DENIED until the link is used, then the address (README example)', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third-mail', password: 'correct horse battery', email: 'third@example.test' } });
    const before = await fetch(`${url}/api/contact-address`, { headers: { cookie: b.cookieHeader('app2') } });
    expect(before.status).toBe(403);
    expect(ProblemSchema.parse(await before.json()).code).toBe('ACCESS_DENIED');
    // Used in this browser: app 1 re-signs its token at once with email_verified true.
    expect((await b.request('app1', '/api/email/verify', { json: { token: await verificationToken('third@example.test') } })).status).toBe(200);
    const after = await fetch(`${url}/api/contact-address`, { headers: { cookie: b.cookieHeader('app2') } });
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ email: 'third@example.test' });
    expect((await fetch(`${url}/api/contact-address`)).status).toBe(401);
  });

  it('sign in on app 1, call app 3, get the same user, provisioned once', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third', password: 'correct horse battery' } });
    const headers = { cookie: b.cookieHeader('app2') };
    const first = await (await fetch(`${url}/api/me`, { headers })).json();
    const second = await (await fetch(`${url}/api/me`, { headers })).json();
    expect(first.user).toMatchObject({ username: 'third', iss: domain.origins.app1 });
    expect(second.user.id).toBe(first.user.id);
    expect(await (await fetch(`${url}/`, { headers })).text()).toBe('App 3: hello third');
  });

  it('deletes its local user when app 1 deletes the account (the revocation feed, ADR 034)', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third-gone', password: 'correct horse battery' } });
    const { user } = await (await fetch(`${url}/api/me`, { headers: { cookie: b.cookieHeader('app2') } })).json();
    const stored = async () => JSON.parse(await readFile(path.join(domain.dataDir, 'app3.json'), 'utf8')).users.map((u: { sub: string }) => u.sub) as string[];
    expect(await stored()).toContain(user.sub);
    expect((await b.request('app1', '/api/account/delete', { json: { password: 'correct horse battery' } })).status).toBe(200);
    for (let i = 0; i < 60 && (await stored()).includes(user.sub); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).not.toContain(user.sub);
  });

  it('refuses a request without the cookie, and a revoked session after sign-out', async () => {
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third-out', password: 'correct horse battery' } });
    const headers = { cookie: b.cookieHeader('app2') };
    expect((await fetch(`${url}/api/me`, { headers })).status).toBe(200);
    await b.request('app1', '/api/logout', { json: {} });
    let status = 200;
    for (let i = 0; i < 60 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${url}/api/me`, { headers })).status;
    }
    expect(status).toBe(401);
  });

  it('a page without a valid token goes to app 1, which renews silently and sends the browser straight back', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third-renew', password: 'correct horse battery' } });
    b.drop('__Secure-sso'); // the domain cookie's lifetime ended; the host-only refresh cookie lives on

    const page = await navigate(`${url}/?x=1`);
    expect(page.status).toBe(303);
    const login = new URL(page.location!);
    expect(login.origin + login.pathname).toBe(`${domain.origins.app1}/login`);
    expect(login.searchParams.get('returnTo')).toBe(`${origin}/?x=1`);

    // At app 1: no form, a fresh token and straight back to the page.
    const back = await b.request('app1', `${login.pathname}${login.search}`, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`${origin}/?x=1`);
    expect(b.cookie('__Secure-sso')).toBeDefined();
    const home = await navigate(`${url}/?x=1`, b.cookieHeader('app2'));
    expect(home.status).toBe(200);
    expect(home.body).toBe('App 3: hello third-renew');
  });

  it('a fetch without a valid token gets 401 problem+json with a code and the login URL, never a redirect', async () => {
    const res = await fetch(`${url}/api/me`, { headers: { accept: 'application/json', 'sec-fetch-mode': 'cors' }, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(await res.json())).toMatchObject({ code: 'UNAUTHENTICATED', loginUrl: `${domain.origins.app1}/login` });
  });
});
