import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner, hs256Secret } from '@sso/session';
import { createApp, type App2 } from '../app';
import { loadConfig } from '../config';

// App 2 alone, in HS256 mode (no JWKS to fetch), on a real socket: the
// routing of /api/me (a route of the API router itself, the API before the
// health routes, the 404 catch-all after the API router) answers as before.
const secret = randomBytes(36).toString('base64url');
let dir: string;
let app2: App2;
let server: Server;
let base: string;
let cookie: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-app2-me-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', SSO_TOKEN_ALG: 'HS256', SSO_HS256_SECRET: secret, SPA_DIR: path.join(dir, 'no-spa') });
  app2 = await createApp(config);
  server = app2.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const signer = createTokenSigner({ issuer: config.issuer, audience: config.audience, method: { alg: 'HS256', secret: hs256Secret(secret) } });
  const { token } = await signer.sign({ sub: 'usr_me_test', sid: 'ses_me_test', preferred_username: 'alice' });
  cookie = `${config.cookieName}=${token}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await app2.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, init);

describe('GET /api/me routing', () => {
  it('answers a signed-in caller, the same user twice, with no-store and the security headers', async () => {
    const first = await get('/api/me', { headers: { cookie } });
    const again = await get('/api/me', { headers: { cookie } });
    for (const res of [first, again]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const [a, b] = [(await first.json()) as { user: { id: string } }, (await again.json()) as { user: { id: string } }];
    expect(b.user.id).toBe(a.user.id);
  });

  it('answers a caller without a cookie 401 problem+json, never a redirect', async () => {
    const res = await get('/api/me', { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('OPTIONS /api/me still gets the router\'s Allow answer; an unknown /api path and method get the 404 problem', async () => {
    const options = await get('/api/me', { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toBe('GET, HEAD');
    expect(options.headers.get('cache-control')).toBe('no-store');
    for (const [method, p] of [['GET', '/api/missing'], ['OPTIONS', '/api/missing'], ['POST', '/api/me'], ['GET', '/api/healthz'], ['GET', '/api']]) {
      const res = await get(p!, { method, headers: { cookie } });
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.headers.get('content-type'), `${method} ${p}`).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('cache-control'), `${method} ${p}`).toBe('no-store');
    }
  });

  it('the health routes behind the API router still answer', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(await (await get('/readyz')).json()).toMatchObject({ status: 'ready' });
    expect((await get('/healthz', { method: 'OPTIONS' })).headers.get('allow')).toBe('GET, HEAD');
  });
});
