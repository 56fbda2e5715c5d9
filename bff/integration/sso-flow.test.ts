import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner, loadOrCreateKeySet } from '@sso/session';
import { MeResponseSchema, LoginResponseSchema, ProblemSchema } from '@sso/types';
import { Browser, startDomain, storedData, type Domain } from './harness';

let domain: Domain;
beforeAll(async () => {
  domain = await startDomain();
});
afterAll(() => domain.stop());

const signup = (b: Browser, username: string, extra: Record<string, unknown> = {}) =>
  b.request('app1', '/api/signup', { json: { username, password: 'correct horse battery', ...extra } });

describe('sign in once at app 1, signed in at app 2', () => {
  it('sign-up sets the domain cookie with Domain, HttpOnly, Secure, SameSite=Lax and a host-only refresh cookie', async () => {
    const b = new Browser(domain);
    const res = await signup(b, 'Cookie.Check', { email: 'c@example.test', name: 'Cookie Check' });
    expect(res.status).toBe(201);
    expect(LoginResponseSchema.parse(res.body).user.username).toBe('cookie.check');
    const token = res.setCookies.find((c) => c.startsWith('__Secure-sso='))!;
    // The cookie outlives its 10-minute token: it lives as long as the session may
    // (12 h), so a relying app can tell "expired, renew" from "never signed in".
    expect(token).toMatch(/; Max-Age=43200; Domain=sso\.localhost; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(token.length).toBeLessThan(4096);
    const refresh = res.setCookies.find((c) => c.startsWith('__Host-sso-refresh='))!;
    expect(refresh).toMatch(/; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(refresh).not.toMatch(/Domain=/i);
    // The token never reaches the body.
    expect(JSON.stringify(res.body)).not.toContain(b.cookie('__Secure-sso'));
  });

  it('/api/me creates the local user on first sight and answers the same id after', async () => {
    const b = new Browser(domain);
    await signup(b, 'jit-user', { email: 'jit@example.test', name: 'Jit User' });
    const first = await b.request('app2', '/api/me');
    expect(first.status).toBe(200);
    const me = MeResponseSchema.parse(first.body).user;
    expect(me).toMatchObject({ username: 'jit-user', email: 'jit@example.test', name: 'Jit User' });
    expect(me.sub).toMatch(/^usr_/);
    expect(me.createdAt).toBe(me.lastSeenAt);
    const second = await b.request('app2', '/api/me');
    expect(MeResponseSchema.parse(second.body).user.id).toBe(me.id);
    const stored = await storedData(domain.dataDir, 'app2');
    expect(stored.users.filter((u: { sub: string }) => u.sub === me.sub)).toHaveLength(1);
  });

  it('/api/me updates the local user when the claims change', async () => {
    const b = new Browser(domain);
    await signup(b, 'renamed', { name: 'Old Name' });
    const before = MeResponseSchema.parse((await b.request('app2', '/api/me')).body).user;
    // Mint a token for the same subject and session with a new name, as app 1 would after a profile change.
    const keys = await loadOrCreateKeySet({ dir: domain.dataDir, retainSeconds: 605 });
    const signer = createTokenSigner({ issuer: domain.origins.app1, audience: 'sso.localhost', method: { alg: 'EdDSA', currentKey: keys.current } });
    const claims = JSON.parse(Buffer.from(b.cookie('__Secure-sso')!.split('.')[1]!, 'base64url').toString());
    const { token } = await signer.sign({ sub: claims.sub, sid: claims.sid, preferred_username: 'renamed', name: 'New Name', email: 'new@example.test' });
    b.setCookie('__Secure-sso', token);
    const after = MeResponseSchema.parse((await b.request('app2', '/api/me')).body).user;
    expect(after).toMatchObject({ id: before.id, name: 'New Name', email: 'new@example.test', createdAt: before.createdAt });
  });

  it('/api/me without a cookie answers 401 UNAUTHENTICATED with the login URL', async () => {
    const res = await new Browser(domain).request('app2', '/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(res.body)).toMatchObject({ code: 'UNAUTHENTICATED', loginUrl: `${domain.origins.app1}/login` });
  });

  it('/api/me with a garbage or oversized cookie answers 401, never 500', async () => {
    for (const value of ['garbage', 'a.b.c', 'x'.repeat(20_000)]) {
      const res = await new Browser(domain).request('app2', '/api/me', { headers: { cookie: `__Secure-sso=${value}` } });
      expect([401, 431]).toContain(res.status);
    }
  });

  it('sign-out at app 1 clears both cookies and a copied token stops working at app 2 within the poll interval', async () => {
    const b = new Browser(domain);
    await signup(b, 'leaver');
    const stolen = b.cookie('__Secure-sso')!;
    expect((await b.request('app2', '/api/me')).status).toBe(200);

    const out = await b.request('app1', '/api/logout', { json: {} });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true, revokedSessions: 1 });
    // Not Clear-Site-Data: the device cookie must outlive the session (ADR 012).
    expect(out.headers.get('clear-site-data')).toBeNull();
    expect(out.setCookies.some((c) => c.startsWith('__Host-sso-device='))).toBe(false);
    expect(out.setCookies.find((c) => c.startsWith('__Secure-sso='))).toMatch(/^__Secure-sso=; Max-Age=0; Domain=sso\.localhost; Path=\/; Expires=.*; HttpOnly; Secure; SameSite=Lax$/);
    expect(out.setCookies.find((c) => c.startsWith('__Host-sso-refresh='))).toMatch(/Max-Age=0/);

    const thief = new Browser(domain);
    thief.setCookie('__Secure-sso', stolen);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 3000) {
      status = (await thief.request('app2', '/api/me')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('data survives a restart of both BFFs', async () => {
    const b = new Browser(domain);
    await signup(b, 'durable');
    const me = MeResponseSchema.parse((await b.request('app2', '/api/me')).body).user;
    await domain.restart('app1');
    await domain.restart('app2');
    const again = await b.request('app2', '/api/me');
    expect(MeResponseSchema.parse(again.body).user.id).toBe(me.id);
    const login = await new Browser(domain).request('app1', '/api/login', { json: { username: 'durable', password: 'correct horse battery' } });
    expect(login.status).toBe(200);
  });
});
