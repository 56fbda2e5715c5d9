import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { ForgotPasswordResponseSchema, ProblemSchema, ResetPasswordResponseSchema } from '@sso/types';
import type { MailMessage, MailTransport } from '../app1/src/mail/mailer';
import { startSmtpServer } from '../app1/src/test-fixtures/smtp-server';
import { Browser, startDomain, testClock, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const problem = (body: unknown) => ProblemSchema.parse(body);

/** Sign-up with an address also mails a verification link (ADR 030): not what these tests look at. */
const isVerificationMail = (m: { subject?: string }) => (m.subject ?? '').startsWith('Confirm your email address');

/** Every message in DATA_DIR/outbox but the verification mails, oldest first. */
async function outbox(domain: Domain): Promise<MailMessage[]> {
  const dir = path.join(domain.dataDir, 'outbox');
  const files = await readdir(dir).catch(() => [] as string[]);
  const all = await Promise.all(files.sort().map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as MailMessage));
  return all.filter((m) => !isVerificationMail(m));
}

/** Waits for the work "forgot password" does after answering, and for the mail it queued. */
async function settled(domain: Domain) {
  await domain.app1.context.background.idle();
  await domain.app1.context.mailer.idle();
}

const linkIn = (m: MailMessage) => /(http\S+\/reset-password#token=(rst_[A-Za-z0-9_-]+))/.exec(m.text);
const tokenIn = (m: MailMessage) => linkIn(m)![2]!;

async function signUp(domain: Domain, username: string, email: string | undefined = `${username}@example.test`) {
  const b = new Browser(domain);
  const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...(email ? { email } : {}) } });
  expect(res.status).toBe(201);
  return b;
}
const forgot = (domain: Domain, login: string, headers: Record<string, string> = {}) => new Browser(domain).request('app1', '/api/password/forgot', { json: { login }, headers });
const reset = (domain: Domain, token: string, password = NEW_PASSWORD) => new Browser(domain).request('app1', '/api/password/reset', { json: { token, password } });
const canSignIn = async (domain: Domain, username: string, password: string) =>
  (await new Browser(domain).request('app1', '/api/login', { json: { username, password } })).status === 200;

/** Mails to one address, by subject. */
const mailsTo = async (domain: Domain, to: string) => (await outbox(domain)).filter((m) => m.to === to);

describe('forgot and reset (file outbox)', () => {
  let domain: Domain;
  const clock = testClock();
  beforeAll(async () => {
    domain = await startDomain({ env: { SSO_RESET_TOKEN_TTL: '120', SSO_RESET_REQUESTS_PER_ADDRESS: '1000' }, app1: { now: clock.now }, app2: { now: clock.now } });
  });
  afterAll(() => domain.stop());

  it('answers 202 with one body for a known username, a known email and an unknown login; only the known get a link', async () => {
    await signUp(domain, 'forgetful', 'Forgetful@Example.test');
    const answers = [await forgot(domain, 'Forgetful'), await forgot(domain, 'forgetful@example.TEST'), await forgot(domain, 'nobody-here'), await forgot(domain, 'nobody@example.test')];
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(ForgotPasswordResponseSchema.parse(a.body)).toEqual({ accepted: true });
      expect(a.setCookies).toEqual([]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    await settled(domain);
    const mails = await outbox(domain);
    expect(mails.map((m) => m.to)).toEqual(['Forgetful@Example.test', 'Forgetful@Example.test']);
    expect(mails.filter((m) => m.to.startsWith('nobody'))).toEqual([]);
    const [first] = mails;
    expect(first!.subject).toMatch(/^Reset your password/);
    expect(first!.text).toContain(domain.origins.app1);
    expect(first!.html).toContain(domain.origins.app1);
    // 256 random bits, in the fragment: never sent to a server, never in a Referer.
    expect(linkIn(first!)![1]).toMatch(new RegExp(`^${domain.origins.app1}/reset-password#token=rst_[A-Za-z0-9_-]{43}$`));
  });

  it('a forged Host or X-Forwarded-Host cannot change the link (built from APP1_ORIGIN only)', async () => {
    await signUp(domain, 'phished');
    const res = await forgot(domain, 'phished', { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(202);
    await settled(domain);
    const [mail] = await mailsTo(domain, 'phished@example.test');
    expect(`${mail!.text}${mail!.html}`).not.toContain('evil.example');
    expect(linkIn(mail!)![1]!.startsWith(`${domain.origins.app1}/reset-password#`)).toBe(true);
  });

  it('the link sets a new password once; every session ends (app 2 refuses the old token); a "changed" mail follows', async () => {
    const b = await signUp(domain, 'resetter');
    expect((await b.request('app2', '/api/me')).status).toBe(200);
    await forgot(domain, 'resetter');
    await settled(domain);
    const token = tokenIn((await mailsTo(domain, 'resetter@example.test'))[0]!);

    const done = await reset(domain, token);
    expect(done.status).toBe(200);
    expect(ResetPasswordResponseSchema.parse(done.body)).toEqual({ username: 'resetter', revokedSessions: 1 });
    // Lands on the sign-in form (ADR 020): no session cookies are set by the reset.
    expect(done.setCookies).toEqual([]);
    expect(await canSignIn(domain, 'resetter', PASSWORD)).toBe(false);
    expect(await canSignIn(domain, 'resetter', NEW_PASSWORD)).toBe(true);

    // App 1 refuses the old session at once; app 2 within the feed's poll (100 ms here).
    expect((await b.request('app1', '/api/session')).status).toBe(401);
    const until = Date.now() + 3_000;
    let status = 200;
    while (status === 200 && Date.now() < until) {
      status = (await b.request('app2', '/api/me')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);

    const again = await reset(domain, token, 'yet another passphrase');
    expect(again.status).toBe(410);
    expect(problem(again.body).code).toBe('LINK_USED');
    expect(await canSignIn(domain, 'resetter', NEW_PASSWORD)).toBe(true);

    await settled(domain);
    const subjects = (await mailsTo(domain, 'resetter@example.test')).map((m) => m.subject);
    expect(subjects).toEqual([expect.stringMatching(/^Reset your password/), expect.stringMatching(/^Your password was changed/)]);
  });

  it('10 concurrent resets with one link: exactly one sets its password, the others are told the link was used', async () => {
    await signUp(domain, 'racer');
    await forgot(domain, 'racer');
    await settled(domain);
    const token = tokenIn((await mailsTo(domain, 'racer@example.test'))[0]!);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reset(domain, token, `racing passphrase ${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 410 && problem(r.body).code === 'LINK_USED')).toHaveLength(9);
    const winner = results.findIndex((r) => r.status === 200);
    expect(await canSignIn(domain, 'racer', `racing passphrase ${winner}`)).toBe(true);
  });

  it('a link expires after SSO_RESET_TOKEN_TTL (120 s here)', async () => {
    await signUp(domain, 'slowpoke');
    await forgot(domain, 'slowpoke');
    await settled(domain);
    const token = tokenIn((await mailsTo(domain, 'slowpoke@example.test'))[0]!);
    clock.advance(121_000);
    const res = await reset(domain, token);
    expect(res.status).toBe(410);
    expect(problem(res.body).code).toBe('LINK_EXPIRED');
    expect(await canSignIn(domain, 'slowpoke', PASSWORD)).toBe(true);
  });

  it('a newer link voids the older one; the newer works', async () => {
    await signUp(domain, 'twice');
    await forgot(domain, 'twice');
    await settled(domain);
    await forgot(domain, 'twice');
    await settled(domain);
    const [older, newer] = (await mailsTo(domain, 'twice@example.test')).map(tokenIn);
    expect(older).not.toBe(newer);
    const old = await reset(domain, older!);
    expect(old.status).toBe(400);
    expect(problem(old.body).code).toBe('LINK_INVALID');
    expect((await reset(domain, newer!)).status).toBe(200);
  });

  it('a password change on the account page voids an outstanding link', async () => {
    const b = await signUp(domain, 'changer');
    await forgot(domain, 'changer');
    await settled(domain);
    const token = tokenIn((await mailsTo(domain, 'changer@example.test'))[0]!);
    expect((await b.request('app1', '/api/account/password', { json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })).status).toBe(200);
    const res = await reset(domain, token, 'attacker passphrase 1');
    expect(problem(res.body).code).toBe('LINK_INVALID');
    expect(await canSignIn(domain, 'changer', NEW_PASSWORD)).toBe(true);
    await settled(domain);
    expect((await mailsTo(domain, 'changer@example.test')).map((m) => m.subject).at(-1)).toMatch(/^Your password was changed/);
  });

  it('a rejected new password keeps the link working; bad input is a 400, never a 500', async () => {
    await signUp(domain, 'picky');
    await forgot(domain, 'picky');
    await settled(domain);
    const token = tokenIn((await mailsTo(domain, 'picky@example.test'))[0]!);
    const weak = await reset(domain, token, 'password1');
    expect(weak.status).toBe(400);
    expect(problem(weak.body).errors?.password?.[0]).toMatch(/too common/);
    const short = await reset(domain, token, 'short');
    expect(problem(short.body).code).toBe('VALIDATION_FAILED');
    expect((await reset(domain, token)).status).toBe(200);

    for (const json of [{}, { token: 42, password: NEW_PASSWORD }, { token: 'x'.repeat(300), password: NEW_PASSWORD }, { login: {} }]) {
      const r = await new Browser(domain).request('app1', '/api/password/reset', { json });
      expect(r.status).toBe(400);
    }
    for (const json of [{}, { login: '' }, { login: 'x'.repeat(300) }, { login: ['a'] }]) {
      const r = await new Browser(domain).request('app1', '/api/password/forgot', { json });
      expect(r.status).toBe(400);
      expect(problem(r.body).code).toBe('VALIDATION_FAILED');
    }
    const garbled = await reset(domain, 'rst_not-a-real-token-at-all-but-long-enough-xx');
    expect(problem(garbled.body).code).toBe('LINK_INVALID');
  });

  it('no link for a disabled account or one without an email (same 202)', async () => {
    await signUp(domain, 'no-mail', undefined);
    expect((await forgot(domain, 'no-mail')).status).toBe(202);
    const b = await signUp(domain, 'disabled-one');
    void b;
    const user = await domain.app1.context.users.findByUsername('disabled-one');
    await domain.app1.context.users.setDisabled(user!.id, new Date().toISOString());
    expect((await forgot(domain, 'disabled-one')).status).toBe(202);
    await settled(domain);
    expect(await mailsTo(domain, 'disabled-one@example.test')).toEqual([]);
  });

  it('the reset page is served with Referrer-Policy: no-referrer; other pages keep the default', async () => {
    const page = await new Browser(domain).request('app1', '/reset-password');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const login = await new Browser(domain).request('app1', '/login');
    expect(login.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('a cross-site page cannot ask for a reset (Origin allow-list, JSON only)', async () => {
    const foreign = await new Browser(domain).request('app1', '/api/password/forgot', { json: { login: 'forgetful' }, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const form = await new Browser(domain).request('app1', '/api/password/forgot', { rawBody: 'login=forgetful', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });
});

describe('forgot: limits under a concurrent burst', () => {
  let domain: Domain;
  afterEach(() => domain.stop());

  it('per address: of 20 requests at once with a limit of 5, exactly 5 are accepted and 15 get 429 with Retry-After', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_RESET_REQUESTS_PER_ADDRESS: '5' } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => forgot(domain, `someone-${i}`)));
    expect(results.filter((r) => r.status === 202)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(15);
    expect(problem(refused[0]!.body).code).toBe('RATE_LIMITED');
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('per account: 12 requests at once for one account send exactly 2 mails (the limit), all answered 202; only the last link works', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_RESET_MAILS_PER_ACCOUNT: '2', SSO_RESET_REQUESTS_PER_ADDRESS: '1000' } });
    await signUp(domain, 'bombed');
    const results = await Promise.all(Array.from({ length: 12 }, () => forgot(domain, 'bombed')));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(202));
    await settled(domain);
    const tokens = (await mailsTo(domain, 'bombed@example.test')).map(tokenIn);
    expect(tokens).toHaveLength(2);
    const outcomes = await Promise.all(tokens.map((t) => reset(domain, t)));
    expect(outcomes.filter((r) => r.status === 200)).toHaveLength(1);
  });
});

describe('forgot: enumeration by timing', () => {
  let domain: Domain;
  afterAll(() => domain.stop());

  it('known and unknown accounts are answered in the same time, although each mail takes 300 ms to send', async () => {
    const delivered: string[] = [];
    const slow: MailTransport = {
      description: 'slow',
      deliver: async (m) => {
        await new Promise((r) => setTimeout(r, 300));
        if (!isVerificationMail(m)) delivered.push(m.to);
      },
    };
    domain = await startDomain({ withApp2: false, env: { SSO_RESET_REQUESTS_PER_ADDRESS: '1000', SSO_RESET_MAILS_PER_ACCOUNT: '1000' }, app1: { mailTransport: slow } });
    await signUp(domain, 'timed');
    const time = async (login: string) => {
      const started = performance.now();
      const res = await forgot(domain, login);
      const ms = performance.now() - started;
      expect(res.status).toBe(202);
      await settled(domain);
      return ms;
    };
    await time('warm-up');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time('timed'));
      unknown.push(await time(`not-a-user-${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Generous bounds (a shared, loaded machine): the 300 ms send must not show in either.
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(60);
    expect(median(known)).toBeLessThan(200);
    expect(delivered.filter((to) => to === 'timed@example.test')).toHaveLength(15);
  });
});

describe('forgot and reset: tokens never reach a log line', () => {
  it('neither the forgot nor the reset request, nor a token pasted into a URL, writes the token to the log', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'app1', level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
    const domain = await startDomain({ withApp2: false, env: { SSO_RESET_REQUESTS_PER_ADDRESS: '1000' }, app1: { logger } });
    try {
      await signUp(domain, 'logged');
      await forgot(domain, 'logged');
      await settled(domain);
      const token = tokenIn((await mailsTo(domain, 'logged@example.test'))[0]!);
      await new Browser(domain).request('app1', `/reset-password/${token}?token=${token}`);
      await new Browser(domain).request('app1', `/api/password/reset?token=${encodeURIComponent(token)}`, { json: { token, password: 'short' } });
      expect((await reset(domain, token)).status).toBe(200);
      expect((await reset(domain, token)).status).toBe(410);
      const text = lines.join('');
      expect(text).toContain('password.reset');
      expect(text).toContain('/reset-password/[redacted]');
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(4, 30));
    } finally {
      await domain.stop();
    }
  });
});

describe('forgot over SMTP (MAIL_TRANSPORT=smtp, a real SMTP server)', () => {
  it('the reset mail arrives over SMTP from MAIL_FROM, a refused delivery is retried, and its link works', async () => {
    const smtp = await startSmtpServer();
    const domain = await startDomain({
      withApp2: false,
      env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, MAIL_FROM: 'Sign-in <no-reply@sso.localhost>' },
      app1: { mailRetry: { attempts: 4, firstDelayMs: 30 } },
    });
    try {
      await signUp(domain, 'smtp-user');
      // The sign-up's verification mail comes first.
      const [verification] = await smtp.waitFor(1);
      expect(isVerificationMail(verification!)).toBe(true);
      smtp.refuseNext(1);
      expect((await forgot(domain, 'smtp-user')).status).toBe(202);
      const [, mail] = await smtp.waitFor(2);
      expect(mail!.from?.value[0]?.address).toBe('no-reply@sso.localhost');
      expect(mail!.to).toMatchObject({ value: [{ address: 'smtp-user@example.test' }] });
      const token = /#token=(rst_[A-Za-z0-9_-]{43})/.exec(mail!.text ?? '')![1]!;
      expect(mail!.html).toContain(`${domain.origins.app1}/reset-password#token=${token}`);
      expect((await reset(domain, token)).status).toBe(200);
      const [, , changed] = await smtp.waitFor(3);
      expect(changed!.subject).toMatch(/^Your password was changed/);
      expect(await outbox(domain)).toEqual([]);
    } finally {
      await domain.stop();
      await smtp.close();
    }
  });
});
