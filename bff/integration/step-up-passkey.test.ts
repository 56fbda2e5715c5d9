import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PasskeyListSchema,
  PasskeyOptionsResponseSchema,
  ProblemSchema,
  StepUpResponseSchema,
  StepUpStatusSchema,
} from '@sso/types';
import type { MailMessage } from '../app1/src/mail/mailer';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { claimsOf, codeOf, domainPerTest, enrolTotp, signedUp, type DomainOptions, type TestClock } from './fixtures';
import { Browser, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres } from './pg-test-db';
import { SoftwareAuthenticator } from './software-authenticator';

/**
 * Where step-up (ADR 032) and passkeys (ADR 033) meet: a passkey steps a
 * live session up (bound to the session, single use, Origin-checked, under
 * the account's second-factor limit), removing a passkey needs recent
 * authentication, and adding or removing one mails a notice.
 */
const domain = domainPerTest();

async function start(options: DomainOptions = {}) {
  const { d, clock } = await domain.start({ withApp2: false, ...options });
  return { d, clock, authenticator: new SoftwareAuthenticator(d.origins.app1) };
}

async function register(b: Browser, authenticator: SoftwareAuthenticator, name = 'Laptop', backupEligible = false) {
  const options = PasskeyOptionsResponseSchema.parse((await b.request('app1', '/api/account/passkeys/options', { json: {} })).body).options as any;
  const res = await b.request('app1', '/api/account/passkeys', { json: { name, credential: authenticator.register(options, { backupEligible }).response } });
  expect(res.status).toBe(201);
}

/** TOTP on, then the clock at the next code's step; the secret. */
async function totpOn(b: Browser, clock: TestClock) {
  const { secret } = await enrolTotp(b, clock);
  clock.advance(30_000);
  return secret;
}

async function stepUpOptions(b: Browser, origin?: string) {
  return b.request('app1', '/api/session/step-up/passkey/options', { json: {}, ...(origin ? { origin } : {}) });
}

/** Options, then the authenticator's answer (with `override`), then the verify call. */
async function passkeyStepUp(b: Browser, authenticator: SoftwareAuthenticator, override: Parameters<SoftwareAuthenticator['assert']>[1] = {}, returnTo?: string) {
  const options = await stepUpOptions(b);
  expect(options.status).toBe(200);
  const credential = authenticator.assert(PasskeyOptionsResponseSchema.parse(options.body).options as any, override);
  return { credential, res: await b.request('app1', '/api/session/step-up/passkey', { json: { credential, ...(returnTo ? { returnTo } : {}) } }) };
}

describe('step-up with a passkey (two-step sign-in on)', () => {
  it('lists the passkey, and a passkey answer marks amr hwk+mfa with a fresh auth_time, rotating the refresh cookie; the answer replayed is refused', async () => {
    const { d, clock, authenticator } = await start();
    const b = await signedUp(d, 'keyed');
    await register(b, authenticator);
    await totpOn(b, clock);
    const status = StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up?max_age=900')).body);
    expect(status).toMatchObject({ methods: ['totp', 'recovery-code', 'passkey'], satisfied: false });
    const before = claimsOf(b);
    const refreshBefore = b.cookie('__Host-sso-refresh');
    clock.advance(60_000);

    const options = PasskeyOptionsResponseSchema.parse((await stepUpOptions(b)).body).options as any;
    // Only this account's passkeys are allowed; verification is asked for but, with two-step on, not required.
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentials[0]!.id]);
    expect(options.userVerification).toBe('preferred');
    const credential = authenticator.assert(options, { userVerified: false });
    const done = await b.request('app1', '/api/session/step-up/passkey', { json: { credential, returnTo: `${d.origins.app1}/account/security` } });
    expect(done.status).toBe(200);
    expect(StepUpResponseSchema.parse(done.body).redirectTo).toBe(`${d.origins.app1}/account/security`);
    const after = claimsOf(b);
    expect(after.amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(after.sid).toBe(before.sid);
    expect(after.auth_time).toBeGreaterThanOrEqual(before.auth_time + 60);
    expect(Math.abs(after.auth_time - clock.now() / 1000)).toBeLessThan(2);
    expect(b.cookie('__Host-sso-refresh')).not.toBe(refreshBefore);
    expect(StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up?max_age=900')).body).satisfied).toBe(true);

    // The same answer again: its challenge was taken by the first (single use).
    const replay = await b.request('app1', '/api/session/step-up/passkey', { json: { credential } });
    expect(replay.status).toBe(400);
    expect(codeOf(replay)).toBe('PASSKEY_CHALLENGE_INVALID');
  });

  it("a passkey of another account is refused (and uses up the challenge); a synced passkey steps up as swk", async () => {
    const { d, clock, authenticator } = await start();
    const mallory = await signedUp(d, 'mallory');
    await register(mallory, authenticator, 'Mallory key');
    const malloryKey = authenticator.credentials[0]!;
    const b = await signedUp(d, 'victim');
    await register(b, authenticator, 'Phone', true);
    await totpOn(b, clock);
    const { res } = await passkeyStepUp(b, authenticator, { credential: malloryKey });
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('PASSKEY_REFUSED');
    expect(claimsOf(b).amr).toEqual(['pwd']);
    const own = await passkeyStepUp(b, authenticator);
    expect(own.res.status).toBe(200);
    expect(claimsOf(b).amr).toEqual(['pwd', 'swk', 'mfa']);
  });

  it('only from app 1 origin (a sibling or a foreign one gets 403), with the live session, and JSON; bad bodies get 400', async () => {
    const { d, clock, authenticator } = await start();
    const b = await signedUp(d, 'origins');
    await register(b, authenticator);
    await totpOn(b, clock);
    for (const origin of [d.origins.app2, 'http://evil.test']) {
      expect(codeOf(await stepUpOptions(b, origin))).toBe('FORBIDDEN_ORIGIN');
    }
    const options = PasskeyOptionsResponseSchema.parse((await stepUpOptions(b)).body).options as any;
    const credential = authenticator.assert(options);
    const sibling = await b.request('app1', '/api/session/step-up/passkey', { json: { credential }, origin: d.origins.app2 });
    expect(sibling.status).toBe(403);
    expect(codeOf(sibling)).toBe('FORBIDDEN_ORIGIN');
    expect((await new Browser(d).request('app1', '/api/session/step-up/passkey/options', { json: {} })).status).toBe(401);
    for (const body of [{}, { credential: null }, { credential: { id: 'x' } }, { credential: 'abc' }]) {
      const res = await b.request('app1', '/api/session/step-up/passkey', { json: body });
      expect(res.status).toBe(400);
    }
    // A page of a look-alike origin that got the options: the browser signs its own origin in.
    const phished = await b.request('app1', '/api/session/step-up/passkey', { json: { credential: authenticator.assert(options, { origin: 'https://app1.sso.localhost.evil.test' }) } });
    expect(codeOf(phished)).toMatch(/PASSKEY_/);
    expect(claimsOf(b).amr).toEqual(['pwd']);
  });

  it('a burst of 20 answers at once gets exactly the account limit of tries (10), shared with codes: then even a right code waits', async () => {
    const { d, clock, authenticator } = await start();
    const b = await signedUp(d, 'burst');
    await register(b, authenticator);
    const secret = await totpOn(b, clock);
    const options = PasskeyOptionsResponseSchema.parse((await stepUpOptions(b)).body).options as any;
    const forged = authenticator.assert(options, { challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' });
    const results = await Promise.all(Array.from({ length: 20 }, () => b.request('app1', '/api/session/step-up/passkey', { json: { credential: forged } })));
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(10);
    expect(codes.filter((c) => c.startsWith('PASSKEY_'))).toHaveLength(10);
    const code = await b.request('app1', '/api/session/step-up', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(code.status).toBe(429);
    expect((await passkeyStepUp(b, authenticator)).res.status).toBe(429);
    expect(claimsOf(b).amr).toEqual(['pwd']);
  });
});

describe('step-up with a passkey alone (two-step sign-in off)', () => {
  it('a user-verified passkey steps up (amr hwk+mfa); one without verification is refused, and there is no code to give', async () => {
    const { d, authenticator } = await start();
    const b = await signedUp(d, 'passkeyonly');
    expect(StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up')).body).methods).toEqual([]);
    expect(codeOf(await stepUpOptions(b))).toBe('SECOND_FACTOR_NOT_ENROLLED');
    await register(b, authenticator);
    expect(StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up')).body).methods).toEqual(['passkey']);
    const codeStepUp = await b.request('app1', '/api/session/step-up', { json: { code: '123456' } });
    expect(codeStepUp.status).toBe(409);
    expect(codeOf(codeStepUp)).toBe('SECOND_FACTOR_NOT_ENROLLED');

    const unverified = await passkeyStepUp(b, authenticator, { userVerified: false });
    expect(unverified.res.status).toBe(401);
    expect(codeOf(unverified.res)).toBe('PASSKEY_REFUSED');
    expect(claimsOf(b).amr).toEqual(['pwd']);
    const options = PasskeyOptionsResponseSchema.parse((await stepUpOptions(b)).body).options as any;
    expect(options.userVerification).toBe('required');
    const credential = authenticator.assert(options);
    expect((await b.request('app1', '/api/session/step-up/passkey', { json: { credential } })).status).toBe(200);
    expect(claimsOf(b).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });
});

describe('recent authentication before removing a passkey (issue 14, item 5)', () => {
  const remove = (b: Browser, id: string) => b.request('app1', '/api/account/passkeys/remove', { json: { id } });
  const firstId = async (b: Browser) => PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys[0]!.id;

  it('without two-step sign-in: allowed within SSO_RECENT_AUTH_MAX_AGE of the sign-in, refused past it (injected clock) until a passkey step-up', async () => {
    const { d, clock, authenticator } = await start({ env: { SSO_RECENT_AUTH_MAX_AGE: '600' } });
    const b = await signedUp(d, 'remover');
    await register(b, authenticator, 'Old');
    await register(b, authenticator, 'New');
    clock.advance(590_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect((await remove(b, await firstId(b))).status).toBe(200);
    clock.advance(20_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const id = await firstId(b);
    const refused = await remove(b, id);
    expect(refused.status).toBe(401);
    expect(ProblemSchema.parse(refused.body)).toMatchObject({ code: 'RECENT_AUTH_REQUIRED', methods: ['passkey'] });
    expect(PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys).toHaveLength(1);
    expect((await passkeyStepUp(b, authenticator)).res.status).toBe(200);
    expect((await remove(b, id)).status).toBe(200);
  });

  it('with two-step sign-in: a session without a recent second factor is refused (methods listed) until a step-up; an unknown id after it is a 404', async () => {
    const { d, clock, authenticator } = await start({ env: { SSO_RECENT_AUTH_MAX_AGE: '600' } });
    const b = await signedUp(d, 'twostep');
    await register(b, authenticator);
    const secret = await totpOn(b, clock);
    const refused = await remove(b, await firstId(b));
    expect(ProblemSchema.parse(refused.body)).toMatchObject({ code: 'RECENT_AUTH_REQUIRED', methods: ['totp', 'recovery-code', 'passkey'] });
    expect((await b.request('app1', '/api/session/step-up', { json: { code: totpCodeAt(secret, clock.now()) } })).status).toBe(200);
    clock.advance(601_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(codeOf(await remove(b, await firstId(b)))).toBe('RECENT_AUTH_REQUIRED');
    expect((await passkeyStepUp(b, authenticator)).res.status).toBe(200);
    expect((await remove(b, 'no-such-passkey')).status).toBe(404);
    expect((await remove(b, await firstId(b))).status).toBe(200);
  });
});

/** Every whole message in DATA_DIR/outbox (the file transport writes a dot-named temp file first), oldest first. */
async function outbox(d: Domain): Promise<MailMessage[]> {
  const dir = path.join(d.dataDir, 'outbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  return Promise.all(files.sort().map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as MailMessage));
}

describe('notice mails for passkeys (issue 14, item 6)', () => {
  it('adding and removing a passkey each mails the account address, naming the passkey and holding no credential data', async () => {
    const { d, authenticator } = await start();
    const email = 'keys@example.test';
    const b = await signedUp(d, 'noticed', email);
    const notices = async () => {
      await d.app1.context.mailer.idle();
      // The sign-up's verification link (ADR 030) is not a notice.
      return (await outbox(d)).filter((m) => m.to === email && !m.subject.startsWith('Confirm your email address'));
    };
    expect(await notices()).toEqual([]);
    await register(b, authenticator, 'Blue <key>', true);
    const added = await notices();
    expect(added.map((m) => m.subject)).toEqual(['A passkey was added (Single sign-on)']);
    expect(added[0]!.text).toContain('"Blue <key>"');
    expect(added[0]!.text).toContain('synced passkey');
    expect(added[0]!.html).not.toContain('<key>');
    expect(added[0]!.text).not.toContain(authenticator.credentials[0]!.id);
    const id = PasskeyListSchema.parse((await b.request('app1', '/api/account/passkeys')).body).passkeys[0]!.id;
    expect((await b.request('app1', '/api/account/passkeys/remove', { json: { id } })).status).toBe(200);
    expect((await notices()).map((m) => m.subject)).toEqual(['A passkey was added (Single sign-on)', 'A passkey was removed (Single sign-on)']);
    // A refused removal (unknown id) mails nothing.
    expect((await b.request('app1', '/api/account/passkeys/remove', { json: { id } })).status).toBe(404);
    expect(await notices()).toHaveLength(2);
  });
});

/** One answer sent 10 times at once: one step-up, nine refusals of the used challenge. */
async function burstOfOneAnswer(d: Domain, clock: { now(): number; advance(ms: number): void }, authenticator: SoftwareAuthenticator) {
  const b = await signedUp(d, 'racer');
  await register(b, authenticator);
  await totpOn(b, clock);
  const options = PasskeyOptionsResponseSchema.parse((await stepUpOptions(b)).body).options as any;
  const credential = authenticator.assert(options);
  const results = await Promise.all(Array.from({ length: 10 }, () => b.request('app1', '/api/session/step-up/passkey', { json: { credential } })));
  const tally = results.reduce<Record<string, number>>((acc, r) => {
    const key = r.status === 200 ? 'ok' : codeOf(r);
    return { ...acc, [key]: (acc[key] ?? 0) + 1 };
  }, {});
  expect(tally).toEqual({ ok: 1, PASSKEY_CHALLENGE_INVALID: 9 });
  return b;
}

describe('single use under a burst', () => {
  it('one answer sent 10 times at once steps up once', async () => {
    const { d, clock, authenticator } = await start();
    const b = await burstOfOneAnswer(d, clock, authenticator);
    expect(StepUpStatusSchema.parse((await b.request('app1', '/api/session/step-up')).body).satisfied).toBe(true);
  });
});

const probe = await findPostgres();

describe.skipIf(skipPostgres(probe))(postgresSuiteName('step-up with a passkey on PostgreSQL', probe), () => {
  it('one answer sent 10 times at once steps up once; removing a passkey then works, past the age it does not', async () => {
    const db = await createTestDatabase(probe);
    try {
      const { d, clock, authenticator } = await start({ env: { STORE: 'postgres', DATABASE_URL: db.url, SSO_RECENT_AUTH_MAX_AGE: '600' } });
      const b = await burstOfOneAnswer(d, clock, authenticator);
      const list = () => b.request('app1', '/api/account/passkeys').then((r) => PasskeyListSchema.parse(r.body).passkeys);
      await register(b, authenticator, 'Second');
      clock.advance(601_000);
      expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
      const id = (await list())[0]!.id;
      expect(codeOf(await b.request('app1', '/api/account/passkeys/remove', { json: { id } }))).toBe('RECENT_AUTH_REQUIRED');
      expect((await passkeyStepUp(b, authenticator)).res.status).toBe(200);
      expect(claimsOf(b).amr).toEqual(['pwd', 'hwk', 'mfa']);
      expect((await b.request('app1', '/api/account/passkeys/remove', { json: { id } })).status).toBe(200);
      expect(await list()).toHaveLength(1);
      await domain.stop();
    } finally {
      await db.drop();
    }
  });
});
