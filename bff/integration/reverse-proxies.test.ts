import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startDomain, type Domain } from './harness';
import { PROXIED_HOSTS, skipUnlessProxy, startEchoUpstream, startProxy, type EchoUpstream, type ProxyKind, type RunningProxy } from './reverse-proxies';

/**
 * Real nginx and Caddy, configured with the files in examples/, in front of
 * an upstream that only echoes the Remote-* headers it got.
 */
const PASSWORD = 'correct horse battery';
const RULES = (['nginx', 'caddy'] as const)
  .map((k) => `${PROXIED_HOSTS[k]} /public public\n${PROXIED_HOSTS[k]} /admin groups admins\n${PROXIED_HOSTS[k]} /vault mfa 600\n${PROXIED_HOSTS[k]} / signed_in\n`)
  .join('');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET through the proxy as a browser on `host` sends it (Node cannot resolve *.localhost: connect to loopback, set Host). */
function viaProxy(proxy: RunningProxy, pathname: string, headers: Record<string, string> = {}, host = `${proxy.host}:${proxy.port}`): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxy.port, path: pathname, headers: { host, accept: 'text/html,*/*', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const kind of ['nginx', 'caddy'] as ProxyKind[]) {
  const skip = skipUnlessProxy(kind);
  if (skip) console.warn(`skipping ${kind} forward-auth tests: ${skip}`);

  describe.skipIf(skip !== null)(`forward auth behind real ${kind}`, () => {
    let domain: Domain;
    let upstream: EchoUpstream;
    let proxy: RunningProxy;
    let rulesDir: string;

    beforeAll(async () => {
      rulesDir = await mkdtemp(path.join(tmpdir(), 'sso-rules-'));
      await writeFile(path.join(rulesDir, 'rules'), RULES);
      domain = await startDomain({ withApp2: false, env: { TRUST_PROXY: 'loopback', SSO_ACCESS_RULES: path.join(rulesDir, 'rules') } });
      upstream = await startEchoUpstream();
      proxy = await startProxy(kind, { app1: Number(new URL(domain.urls.app1).port), upstream: upstream.port });
    });
    afterAll(async () => {
      await proxy?.stop();
      await upstream?.close();
      await domain?.stop();
      await rm(rulesDir, { recursive: true, force: true });
    });

    async function signedIn(username: string, groups?: string[]): Promise<string> {
      const b = new Browser(domain);
      expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, email: `${username}@example.com` } })).status).toBe(201);
      if (groups) {
        // As an operator does (npm run admin -- group add): forward auth reads the account's groups from the store.
        const { sub } = decodeJwt(b.cookie('__Secure-sso')!);
        for (const g of groups) expect(await domain.app1.context.users.addGroup(sub!, g, 20)).toBe('added');
      }
      return b.cookieHeader('app2'); // what a sibling host gets: the domain cookie only
    }

    it('without a session the browser is sent to app 1, returning to the proxied URL', async () => {
      const res = await viaProxy(proxy, '/notes?id=7');
      expect(res.status).toBe(302);
      const login = new URL(res.headers.location as string);
      expect(`${login.origin}${login.pathname}`).toBe(`${domain.origins.app1}/login`);
      expect(login.searchParams.get('returnTo')).toBe(`${proxy.origin}/notes?id=7`);
      expect(upstream.seen.some((s) => s.path === '/notes?id=7')).toBe(false);
    });

    it('signed in, the upstream gets the user in Remote-* headers', async () => {
      const cookie = await signedIn(`${kind}-alice`);
      const res = await viaProxy(proxy, '/notes', { cookie });
      expect(res.status).toBe(200);
      const { remote } = JSON.parse(res.body);
      expect(remote).toMatchObject({ 'remote-user': `${kind}-alice`, 'remote-email': `${kind}-alice@example.com` });
      expect(remote['remote-id']).toMatch(/\S/);
    });

    it('a client that sends Remote-User itself never reaches the upstream with it', async () => {
      const forged = { 'remote-user': 'root', 'remote-groups': 'admins', 'remote-email': 'root@example.com', 'remote-name': 'Root', 'remote-id': 'forged' };
      const cookie = await signedIn(`${kind}-mallory`);
      const signed = JSON.parse((await viaProxy(proxy, '/notes', { cookie, ...forged })).body).remote;
      expect(signed['remote-user']).toBe(`${kind}-mallory`);
      expect(Object.values(signed)).not.toContain('root');
      expect(Object.values(signed)).not.toContain('admins');
      expect(Object.values(signed)).not.toContain('forged');
      // A public path: nobody signed in, and still none of the forged values.
      const anonymous = await viaProxy(proxy, '/public/page', forged);
      expect(anonymous.status).toBe(200);
      const remote = JSON.parse(anonymous.body).remote as Record<string, string>;
      for (const value of Object.values(remote)) expect(value).toBe('');
      // And the forged group does not open the admin area.
      expect((await viaProxy(proxy, '/admin', { cookie, ...forged })).status).toBe(403);
    });

    it('a group rule: 403 without the group, the upstream with it', async () => {
      const plain = await signedIn(`${kind}-plain`);
      const denied = await viaProxy(proxy, '/admin/users', { cookie: plain });
      expect(denied.status).toBe(403);
      const admin = await signedIn(`${kind}-admin`, ['admins']);
      const ok = await viaProxy(proxy, '/admin/users', { cookie: admin });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).remote['remote-groups']).toBe('admins');
    });

    it.each(['/public/../admin', '/public/%2e%2e/admin', '/%61dmin'])('%s does not get round the group rule', async (trick) => {
      const plain = await signedIn(`${kind}-trick${Math.random().toString(36).slice(2, 8)}`);
      const res = await viaProxy(proxy, trick, { cookie: plain });
      expect([403, 400]).toContain(res.status);
      expect(upstream.seen.some((s) => s.path === trick)).toBe(false);
    });

    it('an mfa rule: a password-only session goes to app 1\'s step-up page (returnTo, max_age); with a second factor, the upstream', async () => {
      const b = new Browser(domain);
      expect((await b.request('app1', '/api/signup', { json: { username: `${kind}-vault`, password: PASSWORD } })).status).toBe(201);
      const cookie = b.cookieHeader('app2');
      const res = await viaProxy(proxy, '/vault/doc?id=1', { cookie });
      expect(res.status).toBe(302);
      const stepUp = new URL(res.headers.location as string);
      expect(`${stepUp.origin}${stepUp.pathname}`).toBe(`${domain.origins.app1}/login/step-up`);
      expect(stepUp.searchParams.get('returnTo')).toBe(`${proxy.origin}/vault/doc?id=1`);
      expect(stepUp.searchParams.get('max_age')).toBe('600');
      expect(upstream.seen.some((s) => s.path === '/vault/doc?id=1')).toBe(false);
      // What a step-up at app 1 records on the session (ADR 032).
      const { sid } = decodeJwt(b.cookie('__Secure-sso')!) as { sid: string };
      await domain.app1.context.sessionStore.reauthenticate(sid, ['pwd', 'otp', 'mfa'], Date.now());
      const ok = await viaProxy(proxy, '/vault/doc?id=1', { cookie });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).remote['remote-user']).toBe(`${kind}-vault`);
    });

    it('a forged X-Original-URL or X-Forwarded-Host does not change what is checked', async () => {
      const plain = await signedIn(`${kind}-forger`);
      const res = await viaProxy(proxy, '/admin', {
        cookie: plain,
        'x-original-url': `${proxy.origin}/public/x`,
        'x-forwarded-host': 'other.sso.localhost',
        'x-forwarded-uri': '/public/x',
      });
      expect(res.status).toBe(403);
    });

    if (kind === 'nginx') {
      it('a request for another host name is closed without an answer (it could name looser rules)', async () => {
        await expect(viaProxy(proxy, '/admin', {}, 'unnamed.sso.localhost')).rejects.toThrow();
      });
    }
  });
}
