import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCookieController } from './cookie';
import { createSessionReader, sessionProblem, type SessionReader } from './express';
import { loadOrCreateKeySet, type KeySet } from './keys';
import { createTokenSigner, createTokenVerifier } from './token';

const ISS = 'http://app1.sso.localhost:3001';
const AUD = 'sso.localhost';
const subject = { sub: 'u_123', sid: 's_456', preferred_username: 'alice', email: null, name: null };

let dir: string;
let keys: KeySet;
let token: string;
const revoked = new Set<string>();
let reader: SessionReader;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-express-'));
  keys = await loadOrCreateKeySet({ dir, retainSeconds: 605 });
  token = (await createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } }).sign(subject)).token;
  reader = createSessionReader({
    cookie: createCookieController({ domain: 'sso.localhost' }),
    verifier: createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey }, isRevoked: (sid) => revoked.has(sid) }),
    loginUrl: `${ISS}/login`,
    publicOrigin: 'http://app2.sso.localhost:3002',
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Just enough of Express's req and res for the middleware. */
function call(cookie: string | undefined, headers: Record<string, string> = {}) {
  const req = { method: 'GET', originalUrl: '/page', headers: { ...headers, ...(cookie ? { cookie } : {}) }, accepts: () => 'json' } as unknown as Request;
  const seen: { next: number; redirect?: string } = { next: 0 };
  const res = {
    locals: {} as Record<string, unknown>,
    setHeader: () => undefined,
    redirect: (_status: number, url: string) => {
      seen.redirect = url;
    },
  } as unknown as Response;
  const run = (middleware: ReturnType<SessionReader['requireSession']>) => middleware(req, res, () => void seen.next++);
  return { req, res, seen, run };
}

describe('requireSession({ groups })', () => {
  const signed = (groups?: string[]) =>
    createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } })
      .sign({ ...subject, ...(groups ? { groups } : {}) })
      .then((t) => `__Secure-sso=${t.token}`);

  it('lets a session in one of the groups through, and answers FORBIDDEN (no redirect, even for a page) to one in none', async () => {
    const admin = call(await signed(['staff', 'admins']), { 'sec-fetch-mode': 'navigate' });
    await admin.run(reader.requireSession({ groups: ['admins', 'ops'] }));
    expect(admin.seen.next).toBe(1);

    for (const cookie of [await signed(['staff']), await signed([]), await signed()]) {
      const other = call(cookie, { 'sec-fetch-mode': 'navigate' });
      await expect(Promise.resolve().then(() => other.run(reader.requireSession({ groups: ['admins'] })))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(other.seen).toEqual({ next: 0 });
    }
  });

  it('FORBIDDEN maps to 403 problem code FORBIDDEN; an empty group list is a mistake caught at start-up', () => {
    expect(sessionProblem('FORBIDDEN', `${ISS}/login`)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(() => reader.requireSession({ groups: [] })).toThrow(/at least one group/);
  });

  it('still answers 401 (and redirects a page) without a session: a group check never hides the sign-in', async () => {
    const anonymous = call(undefined, { 'sec-fetch-mode': 'navigate' });
    await anonymous.run(reader.requireSession({ groups: ['admins'] }));
    expect(anonymous.seen.redirect).toContain('/login?returnTo=');
  });
});

describe('requireSession', () => {
  it('a token seen before is answered before the middleware returns; a first one after its signature check', async () => {
    revoked.clear();
    const middleware = reader.requireSession({ redirect: 'never' });
    const first = call(`__Secure-sso=${token}`);
    const pending = first.run(middleware);
    expect(first.seen.next).toBe(0);
    await pending;
    expect(first.seen.next).toBe(1);
    expect(first.res.locals.session).toMatchObject({ sub: subject.sub });

    const again = call(`__Secure-sso=${token}`);
    expect(again.run(middleware)).toBeUndefined();
    expect(again.seen.next).toBe(1);
    expect(again.res.locals.session).toMatchObject({ sub: subject.sub });
  });

  it('refuses a revoked session from the cache, a missing cookie and a planted duplicate, synchronously', async () => {
    revoked.clear();
    const middleware = reader.requireSession({ redirect: 'never' });
    await call(`__Secure-sso=${token}`).run(middleware);
    revoked.add(subject.sid);
    expect(() => call(`__Secure-sso=${token}`).run(middleware)).toThrow(expect.objectContaining({ code: 'TOKEN_REVOKED' }));
    revoked.clear();
    expect(() => call(undefined).run(middleware)).toThrow(expect.objectContaining({ code: 'TOKEN_MISSING' }));
    expect(() => call(`__Secure-sso=x; __Secure-sso=${token}`).run(middleware)).toThrow(expect.objectContaining({ code: 'DUPLICATE_COOKIE' }));
  });

  it('an invalid token is refused through the promise, as before', async () => {
    const c = call('__Secure-sso=a.b.c');
    await expect(c.run(reader.requireSession({ redirect: 'never' }))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(c.seen.next).toBe(0);
  });

  it('a page navigation without a cookie is still sent to sign in, with returnTo', () => {
    const c = call(undefined, { 'sec-fetch-mode': 'navigate' });
    expect(c.run(reader.requireSession())).toBeUndefined();
    expect(c.seen.redirect).toBe(`${ISS}/login?returnTo=${encodeURIComponent('http://app2.sso.localhost:3002/page')}`);
    expect(c.seen.next).toBe(0);
  });
});

describe('optionalSession', () => {
  it('passes a cached token and an absent one on at once', async () => {
    revoked.clear();
    const middleware = reader.optionalSession();
    await call(`__Secure-sso=${token}`).run(middleware);
    const hit = call(`__Secure-sso=${token}`);
    expect(hit.run(middleware)).toBeUndefined();
    expect(hit.res.locals.session).toMatchObject({ sub: subject.sub });
    const none = call(undefined);
    expect(none.run(middleware)).toBeUndefined();
    expect(none.res.locals.session).toBeNull();
    expect(none.seen.next).toBe(1);
  });
});

describe('requireSession({ mfa, maxAuthAge })', () => {
  const T0 = 1_800_000_000_000;
  let clock = T0;
  const signer = () => createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current }, now: () => clock });
  const stepUpReader = () =>
    createSessionReader({
      cookie: createCookieController({ domain: 'sso.localhost' }),
      verifier: createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey }, now: () => clock }),
      loginUrl: `${ISS}/login`,
      publicOrigin: 'http://app2.sso.localhost:3002',
      now: () => clock,
    });
  const tokenWith = async (claims: { amr?: string[]; auth_time?: number }) => `__Secure-sso=${(await signer().sign({ ...subject, ...claims })).token}`;

  it('passes a token whose amr holds mfa', async () => {
    clock = T0;
    const c = call(await tokenWith({ amr: ['pwd', 'otp', 'mfa'], auth_time: T0 / 1000 }));
    await c.run(stepUpReader().requireSession({ mfa: true }));
    expect(c.seen.next).toBe(1);
    expect(c.res.locals.session).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
  });

  it('refuses a password-only token to a fetch caller with STEP_UP_REQUIRED and the step-up URL, and does not set the session', async () => {
    clock = T0;
    const c = call(await tokenWith({ amr: ['pwd'], auth_time: T0 / 1000 }));
    await expect(c.run(stepUpReader().requireSession({ mfa: true }))).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED', stepUpUrl: `${ISS}/login/step-up` });
    expect(c.seen.next).toBe(0);
    expect(c.res.locals.session).toBeUndefined();
  });

  it('a token without amr (an older issuer) counts as password only', async () => {
    clock = T0;
    const c = call(await tokenWith({}));
    await expect(c.run(stepUpReader().requireSession({ mfa: true }))).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
  });

  it('sends a page navigation without mfa to the step-up page with returnTo and max_age, never to the sign-in form', async () => {
    clock = T0;
    const c = call(await tokenWith({ amr: ['pwd'], auth_time: T0 / 1000 }), { 'sec-fetch-mode': 'navigate' });
    await c.run(stepUpReader().requireSession({ mfa: true, maxAuthAge: 300 }));
    expect(c.seen.next).toBe(0);
    const url = new URL(c.seen.redirect!);
    expect(`${url.origin}${url.pathname}`).toBe(`${ISS}/login/step-up`);
    expect(url.searchParams.get('returnTo')).toBe('http://app2.sso.localhost:3002/page');
    expect(url.searchParams.get('max_age')).toBe('300');
  });

  it('an HTML-preferring GET without Sec-Fetch-Mode is a page too; redirect: never always answers the error', async () => {
    clock = T0;
    const cookie = await tokenWith({ amr: ['pwd'], auth_time: T0 / 1000 });
    const page = call(cookie);
    (page.req as unknown as { accepts: () => string }).accepts = () => 'html';
    await page.run(stepUpReader().requireSession({ mfa: true }));
    expect(page.seen.redirect).toContain('/login/step-up?returnTo=');
    const api = call(cookie, { 'sec-fetch-mode': 'navigate' });
    await expect(api.run(stepUpReader().requireSession({ mfa: true, redirect: 'never' }))).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
  });

  it('maxAuthAge: passes up to the limit, refuses one second past it (injected clock), with max_age in the step-up URL', async () => {
    clock = T0;
    const cookie = await tokenWith({ amr: ['pwd', 'otp', 'mfa'], auth_time: T0 / 1000 });
    const reader = stepUpReader();
    const middleware = reader.requireSession({ mfa: true, maxAuthAge: 120 });
    clock = T0 + 120_000;
    const atLimit = call(cookie);
    await atLimit.run(middleware);
    expect(atLimit.seen.next).toBe(1);
    clock = T0 + 121_000;
    const past = call(cookie);
    await expect(Promise.resolve().then(() => past.run(middleware))).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED', stepUpUrl: `${ISS}/login/step-up?max_age=120` });
    expect(past.seen.next).toBe(0);
  });

  it('maxAuthAge refuses a token without auth_time', async () => {
    clock = T0;
    const c = call(await tokenWith({ amr: ['pwd', 'otp', 'mfa'] }));
    await expect(c.run(stepUpReader().requireSession({ maxAuthAge: 600 }))).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
  });

  it('a missing token is still a sign-in (renewal), not a step-up', async () => {
    const c = call(undefined, { 'sec-fetch-mode': 'navigate' });
    c.run(stepUpReader().requireSession({ mfa: true }));
    expect(c.seen.redirect).toBe(`${ISS}/login?returnTo=${encodeURIComponent('http://app2.sso.localhost:3002/page')}`);
  });

  it('refuses a maxAuthAge that is not a whole number of seconds, and mfa without an identity app to send people to', () => {
    expect(() => stepUpReader().requireSession({ maxAuthAge: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => stepUpReader().requireSession({ maxAuthAge: 1.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const noLogin = createSessionReader({ cookie: createCookieController({ domain: 'sso.localhost' }), verifier: createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey } }) });
    expect(() => noLogin.requireSession({ mfa: true })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('sessionProblem', () => {
  it('STEP_UP_REQUIRED is a 401 that carries the step-up URL', () => {
    expect(sessionProblem('STEP_UP_REQUIRED', `${ISS}/login`, `${ISS}/login/step-up?max_age=60`)).toMatchObject({
      status: 401,
      code: 'STEP_UP_REQUIRED',
      stepUpUrl: `${ISS}/login/step-up?max_age=60`,
    });
  });
});
