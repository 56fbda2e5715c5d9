import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  LoginResponseSchema,
  PasskeyListSchema,
  PasskeyOptionsResponseSchema,
  PasskeyResponseSchema,
  SecondFactorChallengeSchema,
} from '@sso/types';
import { PASSKEY_SIGN_IN_COOKIE_NAME } from '../app1/src/routes/passkeys';
import { claimsOf, codeOf, domainPerTest, enrolTotp, PASSWORD, signedUp, statuses, type DomainOptions } from './fixtures';
import { Browser, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres } from './pg-test-db';
import { SoftwareAuthenticator } from './software-authenticator';

/**
 * Passkeys against the real BFFs (issue 14, ADR 033), with a software
 * authenticator that builds real attestations and assertions: registration
 * from the account page, sign-in with no username, passkey as the second
 * factor, and every forged answer refused with a 4xx.
 */
const domain = domainPerTest();

/** Audit lines the app logged, parsed. */
function auditLog() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  return { logger, events: () => lines.filter((l) => l.msg === 'audit').map((l) => l.event) };
}

async function start(options: DomainOptions = {}) {
  const audit = auditLog();
  const { d, clock } = await domain.start({ withApp2: false, ...options, app1: { logger: audit.logger, ...options.app1 } });
  return { d, clock, audit, authenticator: new SoftwareAuthenticator(d.origins.app1) };
}

async function registerOptions(b: Browser) {
  const res = await b.request('app1', '/api/account/passkeys/options', { json: {} });
  expect(res.status).toBe(200);
  return PasskeyOptionsResponseSchema.parse(res.body).options as any;
}

async function register(b: Browser, authenticator: SoftwareAuthenticator, name = 'Laptop', override: Parameters<SoftwareAuthenticator['register']>[1] = {}) {
  const { response } = authenticator.register(await registerOptions(b), override);
  return b.request('app1', '/api/account/passkeys', { json: { name, credential: response } });
}

async function signInOptions(b: Browser) {
  const res = await b.request('app1', '/api/login/passkey/options', { json: {} });
  expect(res.status).toBe(200);
  return PasskeyOptionsResponseSchema.parse(res.body).options as any;
}

async function passkeySignIn(b: Browser, authenticator: SoftwareAuthenticator, override: Parameters<SoftwareAuthenticator['assert']>[1] = {}, returnTo?: string) {
  const credential = authenticator.assert(await signInOptions(b), override);
  return b.request('app1', '/api/login/passkey', { json: { credential, returnTo } });
}

describe('registration from the account page', () => {
  it('several named passkeys are registered, listed (name, created, last used), renamed and removed; audit lines say so', async () => {
    const { d, authenticator, audit } = await start();
    const b = await signedUp(d, 'keys');
    const options = await registerOptions(b);
    expect(options).toMatchObject({ rp: { id: 'app1.sso.localhost' }, authenticatorSelection: { residentKey: 'required' }, attestation: 'none' });
    // The user handle is the opaque account id, never the username.
    expect(Buffer.from(options.user.id, 'base64url').toString()).toMatch(/^usr_/);
    const first = await b.request('app1', '/api/account/passkeys', { json: { name: 'Laptop', credential: authenticator.register(options).response } });
    expect(first.status).toBe(201);
    expect((await register(b, authenticator, '  Phone  ', { backupEligible: true })).status).toBe(201);
    // A new options request excludes what the account has already.
    expect((await registerOptions(b)).excludeCredentials.map((c: { id: string }) => c.id)).toEqual(authenticator.credentials.map((c) => c.id));
    const list = PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys;
    expect(list.map((p) => [p.name, p.synced, p.lastUsedAt])).toEqual([
      ['Laptop', false, null],
      ['Phone', true, null],
    ]);
    const renamed = await b.request('app1', '/api/account/passkeys/rename', { json: { id: list[0]!.id, name: 'Work laptop' } });
    expect(PasskeyResponseSchema.parse(renamed.body).passkey.name).toBe('Work laptop');
    const removed = await b.request('app1', '/api/account/passkeys/remove', { json: { id: list[1]!.id } });
    expect(PasskeyListSchema.parse(removed.body).passkeys.map((p) => p.name)).toEqual(['Work laptop']);
    // Another account cannot see, rename or remove them: the same 404 as an unknown id.
    const other = await signedUp(d, 'other');
    expect(PasskeyListSchema.parse((await other.request('app1', '/api/account/passkeys')).body).passkeys).toEqual([]);
    expect((await other.request('app1', '/api/account/passkeys/rename', { json: { id: list[0]!.id, name: 'Mine' } })).status).toBe(404);
    expect((await other.request('app1', '/api/account/passkeys/remove', { json: { id: list[0]!.id } })).status).toBe(404);
    expect(audit.events()).toEqual(expect.arrayContaining(['passkey.added', 'passkey.renamed', 'passkey.removed']));
    expect(audit.events().filter((e) => e === 'passkey.added')).toHaveLength(2);
  });

  it('needs a session, an allowed Origin and JSON; bad names and bodies get 400, never 500', async () => {
    const { d, authenticator } = await start();
    const anonymous = new Browser(d);
    expect((await anonymous.request('app1', '/api/account/passkeys')).status).toBe(401);
    expect((await anonymous.request('app1', '/api/account/passkeys/options', { json: {} })).status).toBe(401);
    const b = await signedUp(d, 'shape');
    expect((await b.request('app1', '/api/account/passkeys/options', { json: {}, origin: 'http://evil.sso.localhost:3001' })).status).toBe(403);
    const { response } = authenticator.register(await registerOptions(b));
    for (const body of [{ name: '', credential: response }, { name: 'x'.repeat(65), credential: response }, { name: 'ok' }, { name: 'ok', credential: { ...response, type: 'other' } }, { name: 'ok', credential: 'nope' }]) {
      const res = await b.request('app1', '/api/account/passkeys', { json: body });
      expect(res.status).toBe(400);
      expect(codeOf(res)).toBe('VALIDATION_FAILED');
    }
    // Garbage that has the right shape is refused by verification, not by a crash.
    const garbage = await b.request('app1', '/api/account/passkeys', { json: { name: 'ok', credential: { ...response, response: { ...response.response, attestationObject: 'AAAA' } } } });
    expect(garbage.status).toBe(401);
    expect(codeOf(garbage)).toBe('PASSKEY_REFUSED');
  });

  it('a registration challenge works once, for the session that asked, and not after its lifetime', async () => {
    const { d, clock, authenticator } = await start({ env: { SSO_PASSKEY_CHALLENGE_TTL: '60' } });
    const b = await signedUp(d, 'once');
    const { response } = authenticator.register(await registerOptions(b));
    // 10 concurrent answers to one challenge: exactly one registers.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => b.request('app1', '/api/account/passkeys', { json: { name: `K${i}`, credential: response } })));
    expect(statuses(burst)).toEqual({ 201: 1, 400: 9 });
    expect(burst.filter((r) => r.status === 400).every((r) => codeOf(r) === 'PASSKEY_CHALLENGE_INVALID')).toBe(true);
    // Another session of the same account cannot answer this session's challenge.
    const elsewhere = new Browser(d);
    await elsewhere.request('app1', '/api/login', { json: { username: 'once', password: PASSWORD } });
    const forOther = authenticator.register(await registerOptions(b)).response;
    const stolen = await elsewhere.request('app1', '/api/account/passkeys', { json: { name: 'Stolen', credential: forOther } });
    expect(stolen.status).toBe(400);
    expect(codeOf(stolen)).toBe('PASSKEY_CHALLENGE_INVALID');
    // Past its lifetime the challenge is gone.
    const late = authenticator.register(await registerOptions(b)).response;
    clock.advance(61_000);
    const expired = await b.request('app1', '/api/account/passkeys', { json: { name: 'Late', credential: late } });
    expect(codeOf(expired)).toBe('PASSKEY_CHALLENGE_INVALID');
    expect(PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys).toHaveLength(1);
  });

  it('a registration made for another origin or RP ID, or for another challenge, is refused', async () => {
    const { d, authenticator } = await start();
    const b = await signedUp(d, 'forged');
    for (const override of [{ origin: 'http://app1.evil.localhost:3001' }, { origin: d.origins.app2 }, { rpId: 'sso.localhost' }, { challenge: 'AAAAAAAAAAAAAAAAAAAAAA' }, { type: 'webauthn.get' }]) {
      const res = await register(b, authenticator, 'Forged', override);
      expect(res.status, JSON.stringify(override)).toBe(401);
      expect(codeOf(res)).toBe('PASSKEY_REFUSED');
    }
    expect(PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys).toEqual([]);
  });

  it('an account holds at most SSO_PASSKEYS_PER_USER passkeys, also under a burst of registrations from its sessions', async () => {
    const { d, authenticator } = await start({ env: { SSO_PASSKEYS_PER_USER: '2' } });
    await signedUp(d, 'many');
    const sessions = [];
    for (let i = 0; i < 5; i++) {
      // One at a time: the sign-in limits allow one password check per account at once.
      const b = new Browser(d);
      expect((await b.request('app1', '/api/login', { json: { username: 'many', password: PASSWORD } })).status).toBe(200);
      sessions.push({ b, response: authenticator.register(await registerOptions(b)).response });
    }
    const results = await Promise.all(sessions.map(({ b, response }, i) => b.request('app1', '/api/account/passkeys', { json: { name: `K${i}`, credential: response } })));
    expect(statuses(results)).toEqual({ 201: 2, 409: 3 });
  });
});

describe('sign-in with a passkey (no username)', () => {
  it('a user-verified passkey signs in on its own: amr hwk + mfa, auth_time, the validated returnTo; a synced one says swk', async () => {
    const { d, clock, authenticator, audit } = await start();
    const owner = await signedUp(d, 'passwordless');
    expect((await register(owner, authenticator)).status).toBe(201);
    const b = new Browser(d);
    const options = await signInOptions(b);
    expect(options).toMatchObject({ rpId: 'app1.sso.localhost', userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(b.cookie(PASSKEY_SIGN_IN_COOKIE_NAME)).toBeTruthy();
    clock.advance(5_000);
    const before = clock.now();
    const res = await b.request('app1', '/api/login/passkey', { json: { credential: authenticator.assert(options), returnTo: `${d.origins.app2}/profile` } });
    expect(res.status).toBe(200);
    expect(LoginResponseSchema.parse(res.body)).toMatchObject({ user: { username: 'passwordless' }, redirectTo: `${d.origins.app2}/profile` });
    expect(res.setCookies.some((c) => c.startsWith(`${PASSKEY_SIGN_IN_COOKIE_NAME}=;`))).toBe(true);
    const claims = claimsOf(b);
    expect(claims.amr).toEqual(['hwk', 'mfa']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(claims.auth_time).toBeLessThanOrEqual(Math.ceil(clock.now() / 1000));
    expect(audit.events()).toEqual(expect.arrayContaining(['passkey.used', 'login.success']));
    const last = PasskeyListSchema.parse((await owner.request('app1', '/api/account/passkeys')).body).passkeys[0]!;
    expect(Date.parse(last.lastUsedAt!)).toBeGreaterThanOrEqual(before);
    // A foreign returnTo is not followed: the account page instead.
    const again = await passkeySignIn(new Browser(d), authenticator, {}, 'https://evil.example/');
    expect(LoginResponseSchema.parse(again.body).redirectTo).toBe(`${d.origins.app1}/account`);

    const synced = await signedUp(d, 'synced');
    const phone = new SoftwareAuthenticator(d.origins.app1);
    expect((await register(synced, phone, 'Phone', { backupEligible: true })).status).toBe(201);
    const s = new Browser(d);
    expect((await passkeySignIn(s, phone)).status).toBe(200);
    expect(claimsOf(s).amr).toEqual(['swk', 'mfa']);
  });

  it('refuses with 4xx: unknown credential, wrong origin, wrong RP ID, counter gone back, no user verification, another user handle, replayed or missing challenge', async () => {
    const { d, authenticator, audit } = await start();
    const owner = await signedUp(d, 'victim');
    expect((await register(owner, authenticator)).status).toBe(201);
    const stranger = new SoftwareAuthenticator(d.origins.app1);
    stranger.register({ challenge: 'x', rp: { id: 'app1.sso.localhost' }, user: { id: 'dXNyX25vYm9keQ' } });
    const cases: [string, () => Promise<{ status: number; body: unknown }>, number, string][] = [
      ['unknown credential', () => passkeySignIn(new Browser(d), stranger), 401, 'PASSKEY_REFUSED'],
      ['phishing origin', () => passkeySignIn(new Browser(d), authenticator, { origin: 'http://app1.sso-login.localhost:3001' }), 401, 'PASSKEY_REFUSED'],
      ['sibling origin', () => passkeySignIn(new Browser(d), authenticator, { origin: d.origins.app2 }), 401, 'PASSKEY_REFUSED'],
      ['wrong RP ID', () => passkeySignIn(new Browser(d), authenticator, { rpId: 'sso.localhost' }), 401, 'PASSKEY_REFUSED'],
      ['no user verification', () => passkeySignIn(new Browser(d), authenticator, { userVerified: false }), 401, 'PASSKEY_REFUSED'],
      ['user handle of another account', () => passkeySignIn(new Browser(d), authenticator, { userHandle: 'dXNyX290aGVy' }), 401, 'PASSKEY_REFUSED'],
      ['a registration answer', () => passkeySignIn(new Browser(d), authenticator, { type: 'webauthn.create' }), 401, 'PASSKEY_REFUSED'],
      ['another challenge', () => passkeySignIn(new Browser(d), authenticator, { challenge: 'AAAAAAAAAAAAAAAAAAAAAA' }), 401, 'PASSKEY_REFUSED'],
    ];
    for (const [name, run, status, code] of cases) {
      const res = await run();
      expect(res.status, name).toBe(status);
      expect(codeOf(res), name).toBe(code);
    }
    // A cloned authenticator: the counter goes back (or stays) and is refused.
    expect((await passkeySignIn(new Browser(d), authenticator)).status).toBe(200);
    const seen = authenticator.credentials[0]!.counter;
    for (const counter of [seen, seen - 1]) {
      const res = await passkeySignIn(new Browser(d), authenticator, { counter });
      expect(res.status, `counter ${counter}`).toBe(401);
      expect(codeOf(res)).toBe('PASSKEY_REFUSED');
    }
    // A replayed answer: its challenge was taken by the first use.
    const b = new Browser(d);
    const credential = authenticator.assert(await signInOptions(b));
    const nonce = b.cookie(PASSKEY_SIGN_IN_COOKIE_NAME)!;
    expect((await b.request('app1', '/api/login/passkey', { json: { credential } })).status).toBe(200);
    b.setCookie(PASSKEY_SIGN_IN_COOKIE_NAME, nonce, 'app1');
    const replay = await b.request('app1', '/api/login/passkey', { json: { credential } });
    expect(replay.status).toBe(400);
    expect(codeOf(replay)).toBe('PASSKEY_CHALLENGE_INVALID');
    // Without the browser's sign-in cookie the answer belongs to no challenge (another browser's options cannot be answered here).
    const asker = new Browser(d);
    const forAsker = authenticator.assert(await signInOptions(asker));
    const thief = await new Browser(d).request('app1', '/api/login/passkey', { json: { credential: forAsker } });
    expect(codeOf(thief)).toBe('PASSKEY_CHALLENGE_INVALID');
    const malformed = await new Browser(d).request('app1', '/api/login/passkey', { json: { credential: { id: 'x' } } });
    expect(malformed.status).toBe(400);
    expect(audit.events().filter((e) => e === 'passkey.failure').length).toBeGreaterThanOrEqual(10);
  });

  it('mangled answers (random bytes, truncated CBOR, not JSON, empty) are refused with 4xx, never a 500', async () => {
    const { d, authenticator } = await start();
    const owner = await signedUp(d, 'fuzzed');
    await register(owner, authenticator);
    const b64 = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
    const random = (n: number) => b64(Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256))));
    const statusesSeen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const b = new Browser(d);
      const good = authenticator.assert(await signInOptions(b));
      const field = (['clientDataJSON', 'authenticatorData', 'signature', 'userHandle'] as const)[i % 4]!;
      const value = [random(i * 3), '', b64(Buffer.from('{"type":')), good.response[field === 'userHandle' ? 'signature' : field].slice(0, i)][i % 4]!;
      const res = await b.request('app1', '/api/login/passkey', { json: { credential: { ...good, response: { ...good.response, [field]: value } } } });
      statusesSeen.add(res.status);
      expect(res.status, `${field} = ${value}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${field} = ${value}`).toBeLessThan(500);
    }
    for (let i = 0; i < 20; i++) {
      const { response } = authenticator.register(await registerOptions(owner));
      const field = (['clientDataJSON', 'attestationObject'] as const)[i % 2]!;
      const value = i < 10 ? random(i * 7) : response.response[field].slice(0, i * 5);
      const res = await owner.request('app1', '/api/account/passkeys', { json: { name: 'Fuzz', credential: { ...response, response: { ...response.response, [field]: value } } } });
      expect(res.status, `${field} = ${value}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${field} = ${value}`).toBeLessThan(500);
    }
    // Past 30 failures the address is throttled like a password guesser (429).
    expect([...statusesSeen].every((s) => s === 400 || s === 401 || s === 429)).toBe(true);
  });

  it('one answer, sent 10 times at once, signs in once', async () => {
    // Concurrency cap lifted (it answers 429 before the challenge is looked at): the burst tests single use.
    const { d, authenticator } = await start({ app1: { throttleLimits: { concurrentPerAddress: 100 } } });
    const owner = await signedUp(d, 'burst');
    await register(owner, authenticator);
    const b = new Browser(d);
    const credential = authenticator.assert(await signInOptions(b));
    const cookie = b.cookieHeader('app1');
    const results = await Promise.all(Array.from({ length: 10 }, () => new Browser(d).request('app1', '/api/login/passkey', { json: { credential }, headers: { cookie } })));
    expect(statuses(results)).toEqual({ 200: 1, 400: 9 });
  });

  it('a sign-in challenge ends after SSO_PASSKEY_CHALLENGE_TTL', async () => {
    const { d, clock, authenticator } = await start({ env: { SSO_PASSKEY_CHALLENGE_TTL: '30' } });
    await register(await signedUp(d, 'slow'), authenticator);
    const b = new Browser(d);
    const credential = authenticator.assert(await signInOptions(b));
    clock.advance(31_000);
    const res = await b.request('app1', '/api/login/passkey', { json: { credential } });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('PASSKEY_CHALLENGE_INVALID');
  });

  it('failed passkey sign-ins count against the client address like wrong passwords, also under a burst', async () => {
    const { d, authenticator } = await start({ app1: { throttleLimits: { perAddress: { failures: 3, durationSeconds: 900, blockSeconds: 900 }, concurrentPerAddress: 100 } } });
    await register(await signedUp(d, 'limited'), authenticator);
    const stranger = new SoftwareAuthenticator(d.origins.app1);
    stranger.register({ challenge: 'x', rp: { id: 'app1.sso.localhost' } });
    const prepared = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const b = new Browser(d);
        return { b, credential: stranger.assert(await signInOptions(b)) };
      }),
    );
    const results = await Promise.all(prepared.map(({ b, credential }) => b.request('app1', '/api/login/passkey', { json: { credential } })));
    expect(statuses(results)).toEqual({ 401: 3, 429: 5 });
    // The address is now off, for the owner's passkey and password alike.
    expect((await passkeySignIn(new Browser(d), authenticator)).status).toBe(429);
    expect((await new Browser(d).request('app1', '/api/login', { json: { username: 'limited', password: PASSWORD } })).status).toBe(429);
  });

  it('a disabled account cannot sign in with its passkey', async () => {
    const { d, authenticator } = await start();
    const owner = await signedUp(d, 'gone');
    await register(owner, authenticator);
    const user = await d.app1.context.users.findByUsername('gone');
    await d.app1.context.users.setDisabled(user!.id, new Date().toISOString());
    const res = await passkeySignIn(new Browser(d), authenticator);
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('PASSKEY_REFUSED');
  });
});

describe('passkey as the second factor after a password', () => {
  async function twoStep(d: Domain, clock: { now(): number }, username: string, authenticator: SoftwareAuthenticator) {
    const owner = await signedUp(d, username);
    await enrolTotp(owner, clock);
    expect((await register(owner, authenticator)).status).toBe(201);
    return owner;
  }

  async function passwordStep(d: Domain, username: string) {
    const b = new Browser(d);
    const res = await b.request('app1', '/api/login', { json: { username, password: PASSWORD } });
    expect(SecondFactorChallengeSchema.parse(res.body).secondFactor.methods).toEqual(['totp', 'recovery-code', 'passkey']);
    return b;
  }

  it('with two-step sign-in on, the password then a passkey signs in: amr pwd + hwk + mfa, no domain token before', async () => {
    const { d, clock, authenticator, audit } = await start();
    await twoStep(d, clock, 'both', authenticator);
    const b = await passwordStep(d, 'both');
    expect(b.cookie('__Secure-sso')).toBeUndefined();
    const pending = await b.request('app1', '/api/login/second-factor');
    expect(SecondFactorChallengeSchema.parse(pending.body).secondFactor.methods).toContain('passkey');
    const options = PasskeyOptionsResponseSchema.parse((await b.request('app1', '/api/login/second-factor/passkey/options', { json: {} })).body).options as any;
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentials[0]!.id]);
    const res = await b.request('app1', '/api/login/second-factor/passkey', { json: { credential: authenticator.assert(options), returnTo: `${d.origins.app2}/` } });
    expect(res.status).toBe(200);
    expect(LoginResponseSchema.parse(res.body).redirectTo).toBe(`${d.origins.app2}/`);
    expect(claimsOf(b).amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(b.cookie('__Host-sso-mfa')).toBeUndefined();
    expect(audit.events()).toEqual(expect.arrayContaining(['login.second-factor-required', 'passkey.used', 'login.success']));
  });

  it("another account's passkey, a replayed answer and a burst finish no pending sign-in twice", async () => {
    const { d, clock, authenticator } = await start();
    await twoStep(d, clock, 'target', authenticator);
    const attacker = new SoftwareAuthenticator(d.origins.app1);
    await twoStep(d, clock, 'attacker', attacker);
    const b = await passwordStep(d, 'target');
    const options = PasskeyOptionsResponseSchema.parse((await b.request('app1', '/api/login/second-factor/passkey/options', { json: {} })).body).options as any;
    const wrong = await b.request('app1', '/api/login/second-factor/passkey', { json: { credential: attacker.assert(options) } });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong)).toBe('PASSKEY_REFUSED');
    // The challenge went with that attempt.
    const replay = await b.request('app1', '/api/login/second-factor/passkey', { json: { credential: authenticator.assert(options) } });
    expect(codeOf(replay)).toBe('PASSKEY_CHALLENGE_INVALID');
    const fresh = PasskeyOptionsResponseSchema.parse((await b.request('app1', '/api/login/second-factor/passkey/options', { json: {} })).body).options as any;
    const credential = authenticator.assert(fresh);
    const burst = await Promise.all(Array.from({ length: 10 }, () => b.request('app1', '/api/login/second-factor/passkey', { json: { credential } })));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(1);
    expect(burst.every((r) => r.status === 200 || (r.status >= 400 && r.status < 500))).toBe(true);
  });

  it('without a pending sign-in there is nothing to answer; passkeys alone leave the password sign-in as it was', async () => {
    const { d, authenticator } = await start();
    const noPending = await new Browser(d).request('app1', '/api/login/second-factor/passkey/options', { json: {} });
    expect(codeOf(noPending)).toBe('SECOND_FACTOR_EXPIRED');
    expect(codeOf(await new Browser(d).request('app1', '/api/login/second-factor'))).toBe('SECOND_FACTOR_EXPIRED');
    await register(await signedUp(d, 'pkonly'), authenticator);
    const b = new Browser(d);
    const res = await b.request('app1', '/api/login', { json: { username: 'pkonly', password: PASSWORD } });
    expect(LoginResponseSchema.safeParse(res.body).success).toBe(true);
    expect(claimsOf(b).amr).toEqual(['pwd']);
  });
});

const probe = await findPostgres();

describe.skipIf(skipPostgres(probe))(postgresSuiteName('passkeys on PostgreSQL', probe), () => {
  it('register, sign in with no username, replay refused, a burst signs in once: the same on PostgreSQL', async () => {
    const db = await createTestDatabase(probe);
    try {
      // Concurrency cap lifted (it answers 429 before the challenge is looked at): the burst tests single use.
      const { d, authenticator } = await start({ env: { STORE: 'postgres', DATABASE_URL: db.url }, app1: { throttleLimits: { concurrentPerAddress: 100 } } });
      const owner = await signedUp(d, 'pgkeys');
      expect((await register(owner, authenticator, 'Laptop')).status).toBe(201);
      const b = new Browser(d);
      const credential = authenticator.assert(await signInOptions(b));
      const cookie = b.cookieHeader('app1');
      const burst = await Promise.all(Array.from({ length: 10 }, () => new Browser(d).request('app1', '/api/login/passkey', { json: { credential }, headers: { cookie } })));
      expect(statuses(burst)).toEqual({ 200: 1, 400: 9 });
      const winner = burst.find((r) => r.status === 200)!;
      expect(LoginResponseSchema.parse(winner.body).user.username).toBe('pgkeys');
      const list = PasskeyListSchema.parse((await owner.request('app1', '/api/account/passkeys')).body).passkeys;
      expect(list.map((p) => [p.name, p.lastUsedAt !== null])).toEqual([['Laptop', true]]);
      // A cloned key's counter does not go forward.
      const seen = authenticator.credentials[0]!.counter;
      expect((await passkeySignIn(new Browser(d), authenticator, { counter: seen })).status).toBe(401);
      await domain.stop();
    } finally {
      await db.drop();
    }
  });
});
