import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema, SignedInSessionSchema } from '@sso/types';
import { Browser, startDomain, type Domain } from './harness';

let domain: Domain;
beforeAll(async () => {
  domain = await startDomain({ withApp2: false });
});
afterAll(() => domain.stop());

const PASSWORD = 'correct horse battery';
const problem = (body: unknown) => ProblemSchema.parse(body);

describe('sign-up', () => {
  it('normalizes usernames so Alice, " alice " and full-width ａｌｉｃｅ are one account', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'Alice', password: PASSWORD } })).status).toBe(201);
    for (const username of [' alice ', 'ALICE', 'ａｌｉｃｅ']) {
      const res = await new Browser(domain).request('app1', '/api/signup', { json: { username, password: PASSWORD } });
      expect(res.status).toBe(409);
      expect(problem(res.body).code).toBe('USERNAME_TAKEN');
    }
    const login = await new Browser(domain).request('app1', '/api/login', { json: { username: 'ａｌｉｃｅ', password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it.each([
    [{ username: 'ab', password: PASSWORD }, 'username'],
    [{ username: 'has space', password: PASSWORD }, 'username'],
    [{ username: 'okname', password: 'short' }, 'password'],
    [{ username: 'okname', password: 'é'.repeat(37) }, 'password'],
    [{ username: 'okname', password: PASSWORD, email: 'not-an-email' }, 'email'],
    [{ username: 42, password: PASSWORD }, 'username'],
    [{ password: PASSWORD }, 'username'],
  ])('rejects %j with 400 VALIDATION_FAILED naming %s', async (json, field) => {
    const res = await new Browser(domain).request('app1', '/api/signup', { json });
    expect(res.status).toBe(400);
    expect(problem(res.body).code).toBe('VALIDATION_FAILED');
    expect(Object.keys(problem(res.body).errors ?? {})).toContain(field);
  });

  it('accepts a 72-byte password and rejects 73 bytes rather than truncating', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'seventy2', password: 'a'.repeat(72) } })).status).toBe(201);
    const res = await b.request('app1', '/api/signup', { json: { username: 'seventy3', password: 'a'.repeat(73) } });
    expect(res.status).toBe(400);
    expect(problem(res.body).errors?.password?.[0]).toMatch(/at most 72 bytes/);
  });
});

describe('password rules', () => {
  const signedIn = async (username: string) => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD } })).status).toBe(201);
    return b;
  };
  const change = (b: Browser, currentPassword: string, newPassword: string) =>
    b.request('app1', '/api/account/password', { json: { currentPassword, newPassword } });
  const canSignIn = async (username: string, password: string) =>
    (await new Browser(domain).request('app1', '/api/login', { json: { username, password } })).status === 200;

  it.each(['password', 'PASSWORD', 'PassWord1', 'qwertyuiop', 'iloveyou', 'trustno1', 'p@ssw0rd'])(
    'sign-up refuses the common password %j with a field error on password',
    async (password) => {
      const res = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'common-pw', password } });
      expect(res.status).toBe(400);
      expect(problem(res.body).code).toBe('VALIDATION_FAILED');
      expect(problem(res.body).errors).toEqual({ password: [expect.stringMatching(/^This password is too common/)] });
      expect(res.setCookies).toEqual([]);
    },
  );

  it('sign-up reports a common password together with the other fields, and only the length rule for a short one', async () => {
    const both = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'x', password: 'password1' } });
    expect(both.status).toBe(400);
    expect(Object.keys(problem(both.body).errors ?? {}).sort()).toEqual(['password', 'username']);
    const short = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'shorty', password: 'abc123' } });
    expect(problem(short.body).errors?.password).toEqual(['Use at least 8 characters.']);
  });

  it('sign-up refused a common password without creating the account (control: the same name signs up with a good one)', async () => {
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'not-created', password: 'baseball' } });
    expect((await new Browser(domain).request('app1', '/api/signup', { json: { username: 'not-created', password: PASSWORD } })).status).toBe(201);
  });

  it('a password change refuses a common new password on newPassword and keeps the old one', async () => {
    const b = await signedIn('change-common');
    const res = await change(b, PASSWORD, 'Sunshine1');
    expect(res.status).toBe(400);
    expect(problem(res.body).code).toBe('VALIDATION_FAILED');
    expect(problem(res.body).errors).toEqual({ newPassword: [expect.stringMatching(/^This password is too common/)] });
    expect(await canSignIn('change-common', PASSWORD)).toBe(true);
    expect(await canSignIn('change-common', 'Sunshine1')).toBe(false);
  });

  it('a password change refuses the current password as the new one, and signs nobody out', async () => {
    const b = await signedIn('change-same');
    const res = await change(b, PASSWORD, PASSWORD);
    expect(res.status).toBe(400);
    expect(problem(res.body).code).toBe('VALIDATION_FAILED');
    expect(problem(res.body).errors).toEqual({ newPassword: ['Choose a new password, not your current one.'] });
    expect(res.setCookies).toEqual([]);
    expect((await b.request('app1', '/api/session')).status).toBe(200);
  });

  it('a wrong current password is named as such, on currentPassword, even when the new one repeats it', async () => {
    const b = await signedIn('change-wrong');
    for (const [current, next] of [['not my password', 'a good new passphrase'], ['not my password', 'not my password']] as const) {
      const res = await change(b, current, next);
      expect(res.status).toBe(401);
      expect(problem(res.body)).toMatchObject({
        code: 'INVALID_CREDENTIALS',
        detail: 'The current password is wrong.',
        errors: { currentPassword: ['The current password is wrong.'] },
      });
    }
    expect(await canSignIn('change-wrong', PASSWORD)).toBe(true);
  });
});

describe('bad input never gets a 500', () => {
  it.each([
    ['malformed JSON', '{"username":', 400, 'MALFORMED_JSON'],
    ['a JSON array', '[1,2]', 400, 'VALIDATION_FAILED'],
    ['a JSON string', '"hello"', 400, 'VALIDATION_FAILED'],
    ['null', 'null', 400, 'VALIDATION_FAILED'],
    ['an oversized body', JSON.stringify({ username: 'x'.repeat(20_000), password: PASSWORD }), 413, 'PAYLOAD_TOO_LARGE'],
    ['prototype keys', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"username":"proto","password":"correct horse battery"}', 201, null],
  ])('%s', async (_name, rawBody, status, code) => {
    const res = await new Browser(domain).request('app1', '/api/signup', { rawBody, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(status);
    if (code) expect(problem(res.body).code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|Error:/);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects a form-encoded body with 415', async () => {
    const res = await new Browser(domain).request('app1', '/api/login', {
      rawBody: 'username=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(problem(res.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('unknown API paths answer a 404 problem, not the SPA', async () => {
    const res = await new Browser(domain).request('app1', '/api/nope');
    expect(res.status).toBe(404);
    expect(problem(res.body).code).toBe('NOT_FOUND');
  });
});

describe('sign-in', () => {
  beforeAll(async () => {
    await new Browser(domain).request('app1', '/api/signup', { json: { username: 'bob', password: PASSWORD } });
  });

  it('unknown user and wrong password get the identical status, body and headers', async () => {
    const wrong = await new Browser(domain).request('app1', '/api/login', { json: { username: 'bob', password: 'wrong password' } });
    const unknown = await new Browser(domain).request('app1', '/api/login', { json: { username: 'nobody', password: 'wrong password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(problem(wrong.body).code).toBe('INVALID_CREDENTIALS');
    const headers = (h: Headers) => [...h].filter(([k]) => !['date', 'x-request-id', 'etag'].includes(k));
    expect(headers(unknown.headers)).toEqual(headers(wrong.headers));
    expect(wrong.setCookies).toEqual([]);
  });

  it('answers {user, redirectTo} and the session endpoint describes the session', async () => {
    const b = new Browser(domain);
    const res = await b.request('app1', '/api/login', { json: { username: 'bob', password: PASSWORD, returnTo: `${domain.origins.app2}/profile?x=1` } });
    expect(res.status).toBe(200);
    expect(res.body.redirectTo).toBe(`${domain.origins.app2}/profile?x=1`);
    const session = await b.request('app1', '/api/session');
    const parsed = SignedInSessionSchema.parse(session.body);
    expect(parsed.user.username).toBe('bob');
    expect(Date.parse(parsed.session.tokenExpiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(session.headers.get('cache-control')).toBe('no-store');
  });

  it('/api/session with neither cookie answers 200 { user: null }: signed out is a state, not an error', async () => {
    const res = await new Browser(domain).request('app1', '/api/session');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: null });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.setCookies).toEqual([]);
  });

  it('/api/session still answers 401 with a code whenever a cookie came, so the SPA renews and retries', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/login', { json: { username: 'bob', password: PASSWORD } })).status).toBe(200);
    const token = b.cookie('__Secure-sso')!;
    const refresh = b.cookie('__Host-sso-refresh')!;
    const cases: [string, string, string][] = [
      ['only the refresh cookie (the token cookie is gone)', `__Host-sso-refresh=${refresh}`, 'UNAUTHENTICATED'],
      ['a refresh cookie nobody knows', '__Host-sso-refresh=unknown', 'UNAUTHENTICATED'],
      ['a garbled token and no refresh cookie', '__Secure-sso=not.a.token', 'UNAUTHENTICATED'],
      ['the token cookie twice with different values', `__Secure-sso=${token}; __Secure-sso=other`, 'UNAUTHENTICATED'],
    ];
    for (const [name, cookie, code] of cases) {
      const res = await new Browser(domain).request('app1', '/api/session', { headers: { cookie } });
      expect(res.status, name).toBe(401);
      expect(problem(res.body).code, name).toBe(code);
    }
    // The valid token alone is still a signed-in answer.
    const signedIn = await new Browser(domain).request('app1', '/api/session', { headers: { cookie: `__Secure-sso=${token}` } });
    expect(SignedInSessionSchema.parse(signedIn.body).user.username).toBe('bob');
  });
});

describe('JWKS and health', () => {
  it('publishes one OKP Ed25519 public key and no private part', async () => {
    const res = await new Browser(domain).request('app1', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(res.body.keys[0]).not.toHaveProperty('d');
  });

  it('healthz answers ok', async () => {
    expect((await new Browser(domain).request('app1', '/healthz')).body).toEqual({ status: 'ok' });
  });
});
