import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import type { MailMessage, MailTransport } from '../app1/src/mail/mailer';
import { LoginResponseSchema, ProblemSchema, RecoveryCodesResponseSchema, SecondFactorChallengeSchema, SecondFactorStatusSchema, TotpSetupResponseSchema } from '@sso/types';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { PENDING_COOKIE_NAME } from '../app1/src/mfa/pending-sign-in';
import { claimsOf, domainPerTest, enrolTotp, PASSWORD, signedUp, statuses } from './fixtures';
import { Browser, type Domain } from './harness';

/**
 * TOTP and recovery codes against the real BFFs (issue 14): no domain token
 * before the second factor, amr and auth_time, codes used once, attempts
 * bounded under a concurrent burst, the pending sign-in expiring.
 */
const domain = domainPerTest();
const { start } = domain;

/** Signs up (with `email` when given) and enrols TOTP; returns the secret and the recovery codes. */
async function enrolled(d: Domain, clock: { now(): number }, username: string, email?: string) {
  const owner = await signedUp(d, username, email);
  return { owner, ...(await enrolTotp(owner, clock)) };
}

async function passwordStep(d: Domain, username: string, b = new Browser(d)) {
  const res = await b.request('app1', '/api/login', { json: { username, password: PASSWORD } });
  return { b, res };
}

describe('enrolment', () => {
  it('a set-up counts only once a code confirmed it; then ten recovery codes come, once, and the secret is never answered again', async () => {
    const { d, clock } = await start({ withApp2: false });
    const b = new Browser(d);
    await b.request('app1', '/api/signup', { json: { username: 'enrol', password: PASSWORD } });
    const setup = TotpSetupResponseSchema.parse((await b.request('app1', '/api/account/totp/setup', { json: {} })).body);
    expect(setup.uri).toContain(`secret=${setup.secret}`);
    // Unconfirmed: the password alone still signs in.
    expect(LoginResponseSchema.safeParse((await passwordStep(d, 'enrol')).res.body).success).toBe(true);
    const wrong = await b.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now() + 120_000) } });
    expect(wrong.status).toBe(401);
    expect(ProblemSchema.parse(wrong.body).code).toBe('INVALID_SECOND_FACTOR');
    const ok = await b.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now()) } });
    const codes = RecoveryCodesResponseSchema.parse(ok.body).recoveryCodes;
    expect(codes).toHaveLength(10);
    const status = await b.request('app1', '/api/account/second-factor');
    expect(SecondFactorStatusSchema.parse(status.body)).toMatchObject({ totp: { enabled: true }, recoveryCodesLeft: 10 });
    expect(JSON.stringify(status.body)).not.toContain(setup.secret);
    // A second set-up cannot replace (or reveal) the confirmed one.
    const again = await b.request('app1', '/api/account/totp/setup', { json: {} });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain(setup.secret);
  });

  it('the store holds neither the TOTP secret nor a recovery code in plain text', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret, recoveryCodes } = await enrolled(d, clock, 'atrest');
    await d.app1.stop();
    let stored = '';
    for (const f of await readdir(d.dataDir)) if (f.startsWith('app1.json')) stored += await readFile(path.join(d.dataDir, f), 'utf8');
    expect(stored).toContain('sealedSecret');
    expect(stored).not.toContain(secret);
    for (const c of recoveryCodes) expect(stored).not.toContain(c.replaceAll('-', ''));
    await d.restart('app1');
  });

  it('setting up needs a session', async () => {
    const { d } = await start({ withApp2: false });
    const res = await new Browser(d).request('app1', '/api/account/totp/setup', { json: {} });
    expect(res.status).toBe(401);
  });
});

describe('sign-in with a second factor', () => {
  it('the password alone yields no domain token and no refresh cookie: only a host-only pending cookie, which app 2 does not honour', async () => {
    const { d, clock } = await start();
    const { secret } = await enrolled(d, clock, 'twostep');
    const { b, res } = await passwordStep(d, 'twostep');
    expect(res.status).toBe(200);
    expect(SecondFactorChallengeSchema.parse(res.body).secondFactor.methods).toEqual(['totp', 'recovery-code']);
    expect(res.setCookies.some((c) => c.startsWith('__Secure-sso=') || c.startsWith('__Host-sso-refresh='))).toBe(false);
    const pending = res.setCookies.find((c) => c.startsWith(`${PENDING_COOKIE_NAME}=`))!;
    expect(pending).not.toMatch(/Domain=/i);
    expect((await b.request('app2', '/api/me')).status).toBe(401);
    expect((await b.request('app1', '/api/session')).body).toEqual({ user: null });

    clock.advance(30_000);
    const done = await b.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(done.status).toBe(200);
    expect(LoginResponseSchema.parse(done.body).user.username).toBe('twostep');
    expect(b.cookie(PENDING_COOKIE_NAME)).toBeUndefined();
    const claims = claimsOf(b);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(Math.abs(claims.auth_time - clock.now() / 1000)).toBeLessThan(2);
    expect((await b.request('app2', '/api/me')).status).toBe(200);
  });

  it('a password-only session says amr ["pwd"], and its renewed tokens keep amr and the original auth_time', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { b, res } = await passwordStep(d, 'plain', await (async () => {
      const x = new Browser(d);
      await x.request('app1', '/api/signup', { json: { username: 'plain', password: PASSWORD } });
      return x;
    })());
    expect(res.status).toBe(200);
    const first = claimsOf(b);
    expect(first.amr).toEqual(['pwd']);
    clock.advance(120_000);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const renewed = claimsOf(b);
    expect(renewed.iat).toBeGreaterThan(first.iat);
    expect(renewed.amr).toEqual(['pwd']);
    expect(renewed.auth_time).toBe(first.auth_time);
  });

  it('a TOTP code works once: the same code on a second sign-in is refused, the next step\'s code is not', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret } = await enrolled(d, clock, 'replay');
    clock.advance(30_000);
    const code = totpCodeAt(secret, clock.now());
    const first = await passwordStep(d, 'replay');
    expect((await first.b.request('app1', '/api/login/second-factor', { json: { code } })).status).toBe(200);
    const second = await passwordStep(d, 'replay');
    const replayed = await second.b.request('app1', '/api/login/second-factor', { json: { code } });
    expect(replayed.status).toBe(401);
    expect(ProblemSchema.parse(replayed.body).code).toBe('INVALID_SECOND_FACTOR');
    clock.advance(30_000);
    expect((await second.b.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } })).status).toBe(200);
  });

  it('one right code raced by 10 sign-ins at once signs in exactly one of them', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret } = await enrolled(d, clock, 'race');
    clock.advance(30_000);
    const pendings = [];
    for (let i = 0; i < 10; i++) pendings.push((await passwordStep(d, 'race')).b);
    const code = totpCodeAt(secret, clock.now());
    const results = await Promise.all(pendings.map((b) => b.request('app1', '/api/login/second-factor', { json: { code } })));
    expect(statuses(results)).toEqual({ 200: 1, 401: 9 });
  });

  it('a recovery code signs in once, in any case and spacing; the count goes down', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { recoveryCodes } = await enrolled(d, clock, 'recover');
    const code = recoveryCodes[3]!;
    const first = await passwordStep(d, 'recover');
    const used = await first.b.request('app1', '/api/login/second-factor', { json: { code: code.toUpperCase().replaceAll('-', ' ') } });
    expect(used.status).toBe(200);
    expect(claimsOf(first.b).amr).toEqual(['pwd', 'otp', 'mfa']);
    const status = await first.b.request('app1', '/api/account/second-factor');
    expect(SecondFactorStatusSchema.parse(status.body).recoveryCodesLeft).toBe(9);
    const second = await passwordStep(d, 'recover');
    const again = await second.b.request('app1', '/api/login/second-factor', { json: { code } });
    expect(again.status).toBe(401);
  });

  it('the pending sign-in ends after its lifetime: the right code then is refused and the password is asked again', async () => {
    const { d, clock } = await start({ withApp2: false, env: { SSO_MFA_PENDING_TTL: '60' } });
    const { secret } = await enrolled(d, clock, 'slow');
    const { b } = await passwordStep(d, 'slow');
    clock.advance(61_000);
    const late = await b.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(late.status).toBe(401);
    expect(ProblemSchema.parse(late.body).code).toBe('SECOND_FACTOR_EXPIRED');
    expect(b.cookie('__Secure-sso')).toBeUndefined();
  });

  it('without the pending cookie (another browser, or none), a right code signs nobody in', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret } = await enrolled(d, clock, 'nocookie');
    await passwordStep(d, 'nocookie');
    clock.advance(30_000);
    const res = await new Browser(d).request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(res.status).toBe(401);
    expect(ProblemSchema.parse(res.body).code).toBe('SECOND_FACTOR_EXPIRED');
  });

  it('a password changed meanwhile ends the pending sign-in', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { owner, secret } = await enrolled(d, clock, 'changed');
    const { b } = await passwordStep(d, 'changed');
    // The owner's session predates TOTP: a password change needs a step-up first (recent authentication, ADR 032).
    clock.advance(30_000);
    expect((await owner.request('app1', '/api/session/step-up', { json: { code: totpCodeAt(secret, clock.now()) } })).status).toBe(200);
    expect((await owner.request('app1', '/api/account/password', { json: { currentPassword: PASSWORD, newPassword: 'a different long passphrase' } })).status).toBe(200);
    clock.advance(30_000);
    const res = await b.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(ProblemSchema.parse(res.body).code).toBe('SECOND_FACTOR_EXPIRED');
  });
});

describe('guessing codes is bounded', () => {
  it('50 wrong codes at once on one pending sign-in: 5 are checked, the rest end it, and the right code after them is refused', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret } = await enrolled(d, clock, 'burst');
    const { b } = await passwordStep(d, 'burst');
    const right = totpCodeAt(secret, clock.now() + 30_000);
    const wrong = (i: number) => String((Number(right) + 1 + i * 7919) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => b.request('app1', '/api/login/second-factor', { json: { code: wrong(i) } })));
    expect(statuses(results)).toEqual({ 401: 50 });
    const codes = results.map((r) => ProblemSchema.parse(r.body).code);
    expect(codes.filter((c) => c === 'INVALID_SECOND_FACTOR')).toHaveLength(5);
    expect(codes.filter((c) => c === 'SECOND_FACTOR_EXPIRED')).toHaveLength(45);
    clock.advance(30_000);
    b.setCookie(PENDING_COOKIE_NAME, (await passwordStep(d, 'burst', new Browser(d))).b.cookie(PENDING_COOKIE_NAME)!, 'app1');
    // A fresh pending sign-in still works: only the exhausted one ended.
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } })).status).toBe(200);
  });

  it('across many pending sign-ins at once, the account allows 10 wrong codes, then refuses even the right one for a while', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { secret } = await enrolled(d, clock, 'spray');
    const browsers: Browser[] = [];
    for (let i = 0; i < 6; i++) browsers.push((await passwordStep(d, 'spray')).b);
    const results = await Promise.all(
      browsers.flatMap((b, i) => Array.from({ length: 5 }, (_, j) => b.request('app1', '/api/login/second-factor', { json: { code: String(100000 + i * 10 + j) } }))),
    );
    const codes = results.map((r) => ProblemSchema.parse(r.body).code);
    expect(codes.filter((c) => c === 'INVALID_SECOND_FACTOR')).toHaveLength(10);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(20);
    clock.advance(30_000);
    const fresh = (await passwordStep(d, 'spray')).b;
    const blocked = await fresh.request('app1', '/api/login/second-factor', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(blocked.status).toBe(429);
  });
});

describe('managing the second factor', () => {
  it('turning TOTP off takes a current code: a stolen session alone cannot; with one, the password suffices again', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { owner, secret } = await enrolled(d, clock, 'off');
    const refused = await owner.request('app1', '/api/account/totp/disable', { json: { code: '000000' } });
    expect(refused.status).toBe(401);
    clock.advance(30_000);
    const off = await owner.request('app1', '/api/account/totp/disable', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(SecondFactorStatusSchema.parse(off.body).totp.enabled).toBe(false);
    expect(LoginResponseSchema.safeParse((await passwordStep(d, 'off')).res.body).success).toBe(true);
  });

  it('regenerating recovery codes takes a TOTP code and voids every old code', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { owner, secret, recoveryCodes } = await enrolled(d, clock, 'regen');
    // A recovery code cannot mint new recovery codes.
    expect((await owner.request('app1', '/api/account/recovery-codes', { json: { code: recoveryCodes[0] } })).status).toBe(401);
    clock.advance(30_000);
    const fresh = RecoveryCodesResponseSchema.parse((await owner.request('app1', '/api/account/recovery-codes', { json: { code: totpCodeAt(secret, clock.now()) } })).body).recoveryCodes;
    expect(fresh).toHaveLength(10);
    const { b } = await passwordStep(d, 'regen');
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: recoveryCodes[1] } })).status).toBe(401);
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: fresh[0] } })).status).toBe(200);
  });

  it('bad input gets a 400, never a 500', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { owner } = await enrolled(d, clock, 'badinput');
    for (const json of [{}, { code: 123456 }, { code: 'x'.repeat(100) }, []]) {
      const res = await owner.request('app1', '/api/account/totp/disable', { json });
      expect(res.status).toBe(400);
    }
    const { b } = await passwordStep(d, 'badinput');
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: null } })).status).toBe(400);
  });
});

/** Every message in DATA_DIR/outbox (the default file transport), oldest first. */
async function outbox(d: Domain): Promise<MailMessage[]> {
  const dir = path.join(d.dataDir, 'outbox');
  // Whole mails only: the file transport writes a dot-named temp file first.
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  return Promise.all(files.sort().map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as MailMessage));
}

/** A pino logger into an array of parsed lines. */
function logSink() {
  const lines: { msg?: string; event?: string; userId?: string; left?: number; [k: string]: unknown }[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        raw.push(String(chunk));
        for (const l of String(chunk).trim().split('\n')) lines.push(JSON.parse(l));
        cb();
      },
    }) as never,
  });
  return { logger, lines, raw, audit: () => lines.filter((l) => l.msg === 'audit') };
}

describe('notices and audit (issue 14, item 6)', () => {
  it('enrolment, a wrong code, a recovery code, new codes and removal: each an audit line, and a notice mail to the account address without any code', async () => {
    const sink = logSink();
    const { d, clock } = await start({ withApp2: false, app1: { logger: sink.logger } });
    const email = 'Careful@Example.test';
    const { owner, secret, recoveryCodes } = await enrolled(d, clock, 'careful', email);
    const userId = sink.audit().find((l) => l.event === 'signup')!.userId!;
    const subjects = async () => {
      await d.app1.context.mailer.idle();
      // The sign-up's verification link (ADR 030) is not a second-factor notice.
      return (await outbox(d)).filter((m) => m.to === email && !m.subject.startsWith('Confirm your email address')).map((m) => m.subject);
    };
    expect(await subjects()).toEqual(['Two-step sign-in was turned on (Single sign-on)']);

    // A wrong code, then a recovery code, at sign-in.
    const { b } = await passwordStep(d, 'careful');
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: '000000' } })).status).toBe(401);
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: recoveryCodes[0] } })).status).toBe(200);
    expect((await subjects()).at(-1)).toBe('A recovery code was used (Single sign-on)');
    expect((await outbox(d)).at(-1)!.text).toContain('9 recovery codes are left.');

    clock.advance(30_000);
    const fresh = await owner.request('app1', '/api/account/recovery-codes', { json: { code: totpCodeAt(secret, clock.now()) } });
    expect(fresh.status).toBe(200);
    clock.advance(30_000);
    expect((await owner.request('app1', '/api/account/totp/disable', { json: { code: totpCodeAt(secret, clock.now()) } })).status).toBe(200);

    expect(await subjects()).toEqual([
      'Two-step sign-in was turned on (Single sign-on)',
      'A recovery code was used (Single sign-on)',
      'New recovery codes were made (Single sign-on)',
      'Two-step sign-in was turned off (Single sign-on)',
    ]);
    const events = sink.audit().filter((l) => l.userId === userId).map((l) => l.event);
    for (const e of ['mfa.totp.enabled', 'mfa.failure', 'mfa.recovery-code.used', 'mfa.recovery-codes.regenerated', 'mfa.totp.disabled']) expect(events, e).toContain(e);
    expect(sink.audit().find((l) => l.event === 'mfa.recovery-code.used')!.left).toBe(9);

    // Neither the mails nor the logs hold the secret or a recovery code.
    const mails = (await outbox(d)).map((m) => `${m.subject}${m.text}${m.html}`).join('');
    const logs = sink.raw.join('');
    for (const secretValue of [secret, ...recoveryCodes, ...RecoveryCodesResponseSchema.parse(fresh.body).recoveryCodes]) {
      expect(mails.includes(secretValue)).toBe(false);
      expect(logs.includes(secretValue)).toBe(false);
    }
    for (const m of (await outbox(d)).filter((m) => m.to === email && !m.subject.startsWith('Confirm your email address'))) {
      expect(m.text).toContain(d.origins.app1);
      expect(m.html).toContain(`${d.origins.app1}/account`);
    }
  });

  it('an account without an email gets no notice and the same answers', async () => {
    const { d, clock } = await start({ withApp2: false });
    const { recoveryCodes } = await enrolled(d, clock, 'nomail');
    const { b } = await passwordStep(d, 'nomail');
    expect((await b.request('app1', '/api/login/second-factor', { json: { code: recoveryCodes[0] } })).status).toBe(200);
    await d.app1.context.mailer.idle();
    expect(await outbox(d)).toEqual([]);
  });

  it('a mail server that hangs or fails neither delays nor changes an answer', async () => {
    for (const transport of [
      { description: 'hanging', deliver: () => new Promise<void>((resolve) => setTimeout(resolve, 3_000)) },
      { description: 'failing', deliver: () => Promise.reject(new Error('421 service not available')) },
    ] satisfies MailTransport[]) {
      const sink = logSink();
      const { d, clock } = await start({ withApp2: false, app1: { mailTransport: transport, logger: sink.logger } });
      const started = performance.now();
      const { owner, secret } = await enrolled(d, clock, `slowmail-${transport.description}`, 'slow@example.test');
      clock.advance(30_000);
      const regenerated = await owner.request('app1', '/api/account/recovery-codes', { json: { code: totpCodeAt(secret, clock.now()) } });
      clock.advance(30_000);
      const off = await owner.request('app1', '/api/account/totp/disable', { json: { code: totpCodeAt(secret, clock.now()) } });
      // Sign-up, set-up, confirm, regenerate, disable: well under one 3 s delivery in all.
      expect(performance.now() - started, transport.description).toBeLessThan(2_500);
      expect([regenerated.status, off.status]).toEqual([200, 200]);
      expect(SecondFactorStatusSchema.parse(off.body).totp.enabled).toBe(false);
      if (transport.description === 'failing') {
        await new Promise((r) => setTimeout(r, 50));
        expect(sink.lines.some((l) => l.event === 'mail.retry' && l.kind === 'mfa.totp-enabled')).toBe(true);
      }
      await domain.stop();
    }
  });
});
