import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { EmailStatusSchema, LoginOutcomeSchema, MeResponseSchema, ProblemSchema, ResendVerificationResponseSchema, SessionResponseSchema, UpdateProfileResponseSchema, VerifyEmailResponseSchema } from '@sso/types';
import type { MailMessage } from '../app1/src/mail/mailer';
import { Browser, startDomain, testClock, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

const probe = await findPostgres();

const PASSWORD = 'correct horse battery';
const DOMAIN_COOKIE = '__Secure-sso';
const problem = (body: unknown) => ProblemSchema.parse(body);

async function outbox(domain: Domain): Promise<MailMessage[]> {
  const dir = path.join(domain.dataDir, 'outbox');
  const files = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(files.sort().map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as MailMessage));
}
const settled = async (domain: Domain) => {
  await domain.app1.context.background.idle();
  await domain.app1.context.mailer.idle();
};
const mailsTo = async (domain: Domain, to: string) => {
  await settled(domain);
  return (await outbox(domain)).filter((m) => m.to === to);
};
const linkIn = (m: MailMessage) => /(http\S+\/verify-email#token=((?:vfy|chg)_[A-Za-z0-9_-]+))/.exec(m.text);
const tokenIn = (m: MailMessage) => linkIn(m)![2]!;
/** The token of the newest mail to `to` whose subject starts with `subject`. */
async function latestToken(domain: Domain, to: string, subject = 'Confirm your email address'): Promise<string> {
  const mails = (await mailsTo(domain, to)).filter((m) => m.subject.startsWith(subject));
  expect(mails.length).toBeGreaterThan(0);
  return tokenIn(mails.at(-1)!);
}
const claimsOf = (b: Browser) => JSON.parse(Buffer.from(b.cookie(DOMAIN_COOKIE)!.split('.')[1]!, 'base64url').toString());

/** `email` null: no address. */
async function signUp(domain: Domain, username: string, email: string | null = `${username}@example.test`, headers: Record<string, string> = {}) {
  const b = new Browser(domain);
  const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...(email ? { email } : {}) }, headers });
  expect(res.status).toBe(201);
  return b;
}
const verify = (domain: Domain, token: unknown, b = new Browser(domain)) => b.request('app1', '/api/email/verify', { json: { token } });
const me = async (b: Browser) => MeResponseSchema.parse((await b.request('app2', '/api/me')).body).user;

describe('email verification', () => {
  let domain: Domain;
  const clock = testClock();
  beforeAll(async () => {
    domain = await startDomain({ env: { SSO_EMAIL_TOKEN_TTL: '300', SSO_EMAIL_MAILS_PER_ACCOUNT: '1000', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' }, app1: { now: clock.now }, app2: { now: clock.now } });
  });
  afterAll(() => domain.stop());

  it('sign-up with an email mails a link from APP1_ORIGIN (token in the fragment); the token and app 2 say unverified until it is used, verified after', async () => {
    const b = await signUp(domain, 'verifier');
    const [mail] = await mailsTo(domain, 'verifier@example.test');
    expect(mail!.subject).toMatch(/^Confirm your email address/);
    expect(mail!.html).toContain(domain.origins.app1);
    expect(linkIn(mail!)![1]).toMatch(new RegExp(`^${domain.origins.app1}/verify-email#token=vfy_[A-Za-z0-9_-]{43}$`));
    expect(claimsOf(b).email_verified).toBe(false);
    expect((await me(b)).emailVerified).toBe(false);
    const session = SessionResponseSchema.parse((await b.request('app1', '/api/session')).body);
    expect(session.user?.emailVerified).toBe(false);

    // Used from this browser (signed in): its token is re-signed at once with the new claim.
    const done = await verify(domain, tokenIn(mail!), b);
    expect(done.status).toBe(200);
    expect(VerifyEmailResponseSchema.parse(done.body)).toEqual({ email: 'verifier@example.test', emailVerified: true, changed: false });
    expect(claimsOf(b).email_verified).toBe(true);
    expect((await me(b)).emailVerified).toBe(true);
    expect(SessionResponseSchema.parse((await b.request('app1', '/api/session')).body).user?.emailVerified).toBe(true);

    const again = await verify(domain, tokenIn(mail!));
    expect(again.status).toBe(410);
    expect(problem(again.body).code).toBe('LINK_USED');
  });

  it('a sign-up without an email sends nothing and its token says email_verified false', async () => {
    const b = await signUp(domain, 'no-address', null);
    expect(claimsOf(b)).toMatchObject({ email: null, email_verified: false });
    expect((await me(b)).emailVerified).toBe(false);
  });

  it('a forged Host or X-Forwarded-Host cannot change the link (built from APP1_ORIGIN only)', async () => {
    await signUp(domain, 'host-forger', undefined, { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    const [mail] = await mailsTo(domain, 'host-forger@example.test');
    expect(`${mail!.text}${mail!.html}`).not.toContain('evil.example');
    expect(linkIn(mail!)![1]!.startsWith(`${domain.origins.app1}/verify-email#`)).toBe(true);
  });

  it('a link expires after SSO_EMAIL_TOKEN_TTL (300 s here)', async () => {
    await signUp(domain, 'late-verifier');
    const token = await latestToken(domain, 'late-verifier@example.test');
    clock.advance(301_000);
    const res = await verify(domain, token);
    expect(res.status).toBe(410);
    expect(problem(res.body).code).toBe('LINK_EXPIRED');
  });

  it('a resend voids the older link; the newer works; once verified, a resend is refused with EMAIL_ALREADY_VERIFIED', async () => {
    const b = await signUp(domain, 'resender');
    const first = await latestToken(domain, 'resender@example.test');
    const resent = await b.request('app1', '/api/email/verification', { json: {} });
    expect(resent.status).toBe(202);
    expect(ResendVerificationResponseSchema.parse(resent.body)).toEqual({ sentTo: 'resender@example.test' });
    const second = await latestToken(domain, 'resender@example.test');
    expect(second).not.toBe(first);
    const old = await verify(domain, first);
    expect(old.status).toBe(400);
    expect(problem(old.body).code).toBe('LINK_INVALID');
    expect((await verify(domain, second)).status).toBe(200);
    const after = await b.request('app1', '/api/email/verification', { json: {} });
    expect(after.status).toBe(409);
    expect(problem(after.body).code).toBe('EMAIL_ALREADY_VERIFIED');
  });

  it('a resend without a session or a "check your inbox" step is 401', async () => {
    const res = await new Browser(domain).request('app1', '/api/email/verification', { json: {} });
    expect(res.status).toBe(401);
  });

  it('10 concurrent uses of one link: exactly one verifies, the others are told it was used', async () => {
    await signUp(domain, 'racing-verifier');
    const token = await latestToken(domain, 'racing-verifier@example.test');
    const results = await Promise.all(Array.from({ length: 10 }, () => verify(domain, token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 410 && problem(r.body).code === 'LINK_USED')).toHaveLength(9);
  });

  it('a reset token is no email link, and an email link resets no password (purposes are separate)', async () => {
    await signUp(domain, 'crossed');
    const token = await latestToken(domain, 'crossed@example.test');
    const asReset = await new Browser(domain).request('app1', '/api/password/reset', { json: { token, password: 'a brand new passphrase' } });
    expect(asReset.status).toBe(400);
    expect(problem(asReset.body).code).toBe('LINK_INVALID');
    const forged = await verify(domain, `rst_${token.slice(4)}`);
    expect(problem(forged.body).code).toBe('LINK_INVALID');
    expect((await verify(domain, token)).status).toBe(200);
  });

  it('bad input is a 400, never a 500; a cross-site page cannot post', async () => {
    for (const json of [{}, { token: 42 }, { token: '' }, { token: 'x'.repeat(300) }, { token: 'vfy_short' }, { token: ['a'] }]) {
      const res = await new Browser(domain).request('app1', '/api/email/verify', { json });
      expect([400]).toContain(res.status);
    }
    const b = await signUp(domain, 'bad-input');
    for (const json of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 7 }, {}]) {
      expect((await b.request('app1', '/api/account/profile', { json })).status).toBe(400);
    }
    for (const json of [{ email: 'not-an-address', currentPassword: PASSWORD }, { email: 'a@example.test' }, {}]) {
      expect((await b.request('app1', '/api/account/email', { json })).status).toBe(400);
    }
    expect((await b.request('app1', '/api/email/verification', { json: { email: 'nope' } })).status).toBe(400);
    const foreign = await new Browser(domain).request('app1', '/api/email/verify', { json: { token: 'vfy_x' }, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('the verify page is served with Referrer-Policy: no-referrer', async () => {
    const page = await new Browser(domain).request('app1', '/verify-email');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('profile edits: name and email', () => {
  let domain: Domain;
  beforeAll(async () => {
    domain = await startDomain({ env: { SSO_EMAIL_MAILS_PER_ACCOUNT: '1000', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' } });
  });
  afterAll(() => domain.stop());

  it('a name change is immediate: this browser gets the new claim at once, another browser with its next token', async () => {
    const b = await signUp(domain, 'renamer');
    const other = new Browser(domain);
    expect((await other.request('app1', '/api/login', { json: { username: 'renamer', password: PASSWORD } })).status).toBe(200);
    expect((await me(other)).name).toBe(null);
    const res = await b.request('app1', '/api/account/profile', { json: { name: '  Ren Amer ' } });
    expect(res.status).toBe(200);
    expect(UpdateProfileResponseSchema.parse(res.body).user.name).toBe('Ren Amer');
    expect(claimsOf(b).name).toBe('Ren Amer');
    expect((await me(b)).name).toBe('Ren Amer');
    // The other browser's token still says the old name until it is renewed (at most SSO_TOKEN_TTL).
    expect((await me(other)).name).toBe(null);
    expect((await other.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect((await me(other)).name).toBe('Ren Amer');
    expect((await b.request('app1', '/api/account/profile', { json: { name: null } })).status).toBe(200);
    expect(claimsOf(b).name).toBe(null);
  });

  it('an email change needs the password, mails a link to the NEW address and a notice to the OLD; nothing changes until the link is used', async () => {
    const b = await signUp(domain, 'mover', 'old@example.test');
    const other = new Browser(domain);
    expect((await other.request('app1', '/api/login', { json: { username: 'mover', password: PASSWORD } })).status).toBe(200);
    expect((await verify(domain, await latestToken(domain, 'old@example.test'))).status).toBe(200);

    const wrong = await b.request('app1', '/api/account/email', { json: { email: 'new@example.test', currentPassword: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(problem(wrong.body).code).toBe('INVALID_CREDENTIALS');
    const same = await b.request('app1', '/api/account/email', { json: { email: 'OLD@example.test', currentPassword: PASSWORD } });
    expect(same.status).toBe(400);
    expect(await mailsTo(domain, 'new@example.test')).toEqual([]);

    const asked = await b.request('app1', '/api/account/email', { json: { email: 'new@example.test', currentPassword: PASSWORD } });
    expect(asked.status).toBe(202);
    const status = EmailStatusSchema.parse(asked.body);
    expect(status).toMatchObject({ email: 'old@example.test', emailVerified: true, pending: { email: 'new@example.test' } });
    expect(EmailStatusSchema.parse((await b.request('app1', '/api/account/email')).body).pending?.email).toBe('new@example.test');
    const notice = (await mailsTo(domain, 'old@example.test')).at(-1)!;
    expect(notice.subject).toMatch(/^A change of your email address was asked for/);
    expect(notice.text).toContain('new@example.test');
    expect(notice.text).not.toMatch(/(vfy|chg)_/);
    // Until the link is used, the account keeps its address.
    expect((await me(b)).email).toBe('old@example.test');
    expect(SessionResponseSchema.parse((await b.request('app1', '/api/session')).body).user?.email).toBe('old@example.test');

    // A reset link mailed to the old address stops working once the address moves.
    await new Browser(domain).request('app1', '/api/password/forgot', { json: { login: 'mover' } });
    const resetMail = (await mailsTo(domain, 'old@example.test')).find((m) => m.subject.startsWith('Reset your password'))!;
    const resetToken = /token=(rst_[A-Za-z0-9_-]+)/.exec(resetMail.text)![1]!;

    const token = await latestToken(domain, 'new@example.test', 'Confirm your new email address');
    expect(token.startsWith('chg_')).toBe(true);
    const done = await verify(domain, token, new Browser(domain));
    expect(done.status).toBe(200);
    expect(VerifyEmailResponseSchema.parse(done.body)).toEqual({ email: 'new@example.test', emailVerified: true, changed: true });
    expect(problem((await verify(domain, token)).body).code).toBe('LINK_USED');
    const reset = await new Browser(domain).request('app1', '/api/password/reset', { json: { token: resetToken, password: 'a brand new passphrase' } });
    expect(problem(reset.body).code).toBe('LINK_INVALID');

    // Relying apps get the new claims with the next token.
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(claimsOf(b)).toMatchObject({ email: 'new@example.test', email_verified: true });
    expect(await me(b)).toMatchObject({ email: 'new@example.test', emailVerified: true });
    expect((await other.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(await me(other)).toMatchObject({ email: 'new@example.test', emailVerified: true });
    expect(EmailStatusSchema.parse((await b.request('app1', '/api/account/email')).body).pending).toBe(null);
  });

  it('a newer email change voids the older pending one', async () => {
    const b = await signUp(domain, 'indecisive');
    await b.request('app1', '/api/account/email', { json: { email: 'first@example.test', currentPassword: PASSWORD } });
    const first = await latestToken(domain, 'first@example.test', 'Confirm your new email address');
    await b.request('app1', '/api/account/email', { json: { email: 'second@example.test', currentPassword: PASSWORD } });
    const second = await latestToken(domain, 'second@example.test', 'Confirm your new email address');
    expect(problem((await verify(domain, first)).body).code).toBe('LINK_INVALID');
    expect(SessionResponseSchema.parse((await b.request('app1', '/api/session')).body).user?.email).toBe('indecisive@example.test');
    expect((await verify(domain, second)).status).toBe(200);
    expect(SessionResponseSchema.parse((await b.request('app1', '/api/session')).body).user?.email).toBe('second@example.test');
  });

  it('a verification link for an address the account no longer has verifies nothing', async () => {
    const b = await signUp(domain, 'switcher', 'one@example.test');
    const stale = await latestToken(domain, 'one@example.test');
    await b.request('app1', '/api/account/email', { json: { email: 'two@example.test', currentPassword: PASSWORD } });
    expect((await verify(domain, await latestToken(domain, 'two@example.test', 'Confirm your new email address'))).status).toBe(200);
    expect(problem((await verify(domain, stale)).body).code).toBe('LINK_INVALID');
  });

  it('addresses are not unique (as at sign-up): asking for one another account uses is answered like any other', async () => {
    await signUp(domain, 'holder', 'shared@example.test');
    const b = await signUp(domain, 'sharer', 'mine@example.test');
    const res = await b.request('app1', '/api/account/email', { json: { email: 'shared@example.test', currentPassword: PASSWORD } });
    expect(res.status).toBe(202);
  });

  it('profile and email edits need a session', async () => {
    const anon = new Browser(domain);
    expect((await anon.request('app1', '/api/account/profile', { json: { name: 'X' } })).status).toBe(401);
    expect((await anon.request('app1', '/api/account/email', { json: { email: 'x@example.test', currentPassword: PASSWORD } })).status).toBe(401);
    expect((await anon.request('app1', '/api/account/email')).status).toBe(401);
  });
});

describe('email mails: limits under a concurrent burst', () => {
  let domain: Domain;
  afterEach(() => domain.stop());

  it('per account: 10 resends at once with a limit of 3 send exactly 3 mails; the rest get 429 with Retry-After', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_EMAIL_MAILS_PER_ACCOUNT: '3', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' } });
    const b = await signUp(domain, 'bomber');
    const results = await Promise.all(Array.from({ length: 10 }, () => b.request('app1', '/api/email/verification', { json: {} })));
    expect(results.filter((r) => r.status === 202)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(7);
    expect(problem(refused[0]!.body).code).toBe('RATE_LIMITED');
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    // The sign-up's own mail plus the 3 allowed.
    expect(await mailsTo(domain, 'bomber@example.test')).toHaveLength(4);
  });

  it('per address: 12 requests at once from one address, over 4 accounts, with a limit of 5: exactly 5 are accepted', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_EMAIL_MAILS_PER_ACCOUNT: '1000', SSO_EMAIL_REQUESTS_PER_ADDRESS: '5' } });
    const browsers = await Promise.all([0, 1, 2, 3].map((i) => signUp(domain, `addr-${i}`)));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => browsers[i % 4]!.request('app1', '/api/email/verification', { json: {} })));
    expect(results.filter((r) => r.status === 202)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('email changes count against the same limits', async () => {
    domain = await startDomain({ withApp2: false, env: { SSO_EMAIL_MAILS_PER_ACCOUNT: '2', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' } });
    const b = await signUp(domain, 'changer');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => b.request('app1', '/api/account/email', { json: { email: `c${i}@example.test`, currentPassword: PASSWORD } })));
    expect(results.filter((r) => r.status === 202)).toHaveLength(2);
    expect(results.filter((r) => r.status === 429)).toHaveLength(4);
  });
});

describe('email links never reach a log line', () => {
  it('neither the mails, the verify request, nor a token pasted into a URL writes the token to the log', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'app1', level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
    const domain = await startDomain({ withApp2: false, app1: { logger } });
    try {
      const b = await signUp(domain, 'logged-mail');
      const verifyToken = await latestToken(domain, 'logged-mail@example.test');
      await new Browser(domain).request('app1', `/verify-email/${verifyToken}?token=${verifyToken}`);
      await new Browser(domain).request('app1', `/api/email/verify?token=${encodeURIComponent(verifyToken)}`, { json: { token: 'vfy_nope' } });
      expect((await verify(domain, verifyToken)).status).toBe(200);
      expect((await verify(domain, verifyToken)).status).toBe(410);
      await b.request('app1', '/api/account/email', { json: { email: 'moved@example.test', currentPassword: PASSWORD } });
      const changeToken = await latestToken(domain, 'moved@example.test', 'Confirm your new email address');
      expect((await verify(domain, changeToken)).status).toBe(200);
      const text = lines.join('');
      expect(text).toContain('email.verified');
      expect(text).toContain('email.changed');
      expect(text).toContain('/verify-email/[redacted]');
      for (const token of [verifyToken, changeToken]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.slice(4, 30));
      }
    } finally {
      await domain.stop();
    }
  });
});

describe('SSO_REQUIRE_VERIFIED_EMAIL=true', () => {
  let domain: Domain;
  beforeAll(async () => {
    domain = await startDomain({ env: { SSO_REQUIRE_VERIFIED_EMAIL: 'true', SSO_EMAIL_MAILS_PER_ACCOUNT: '1000', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' } });
  });
  afterAll(() => domain.stop());

  it('sign-up without an email is refused (the account could never sign in)', async () => {
    const res = await new Browser(domain).request('app1', '/api/signup', { json: { username: 'no-mail', password: PASSWORD } });
    expect(res.status).toBe(400);
    expect(problem(res.body).errors?.email).toBeDefined();
  });

  it('sign-up and sign-in of an unverified account set no domain cookie: only the "check your inbox" step, whose resend works; after the link, sign-in does', async () => {
    const b = new Browser(domain);
    const signup = await b.request('app1', '/api/signup', { json: { username: 'gated', password: PASSWORD, email: 'gated@example.test' } });
    expect(signup.status).toBe(201);
    expect(LoginOutcomeSchema.parse(signup.body)).toEqual({ verifyEmail: { email: 'gated@example.test' } });
    expect(signup.setCookies.some((c) => c.startsWith(`${DOMAIN_COOKIE}=`) || c.startsWith('__Host-sso-refresh='))).toBe(false);
    const step = signup.setCookies.find((c) => c.startsWith('__Host-sso-verify='))!;
    expect(step).toMatch(/HttpOnly; Secure; SameSite=Strict$/);
    expect(step).not.toMatch(/Domain=/i);
    expect((await b.request('app2', '/api/me')).status).toBe(401);
    expect(SessionResponseSchema.parse((await b.request('app1', '/api/session')).body).user).toBe(null);

    const fresh = new Browser(domain);
    const login = await fresh.request('app1', '/api/login', { json: { username: 'gated', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(LoginOutcomeSchema.parse(login.body)).toEqual({ verifyEmail: { email: 'gated@example.test' } });
    expect(login.setCookies.some((c) => c.startsWith(`${DOMAIN_COOKIE}=`))).toBe(false);
    expect(fresh.cookie(DOMAIN_COOKIE)).toBeUndefined();
    expect((await fresh.request('app1', '/api/session/refresh', { json: {} })).status).toBe(401);

    // Resend from the step (no session): the newer link voids the first.
    const first = await latestToken(domain, 'gated@example.test');
    const resent = await fresh.request('app1', '/api/email/verification', { json: {} });
    expect(resent.status).toBe(202);
    const second = await latestToken(domain, 'gated@example.test');
    expect(problem((await verify(domain, first)).body).code).toBe('LINK_INVALID');
    const done = await verify(domain, second);
    expect(done.status).toBe(200);
    expect(done.setCookies).toEqual([]);

    const after = await fresh.request('app1', '/api/login', { json: { username: 'gated', password: PASSWORD } });
    expect(after.status).toBe(200);
    expect(LoginOutcomeSchema.parse(after.body).user?.emailVerified).toBe(true);
    expect(fresh.cookie(DOMAIN_COOKIE)).toBeDefined();
    expect(await me(fresh)).toMatchObject({ email: 'gated@example.test', emailVerified: true });
  });

  it('a wrong password never reaches the step; a forged or missing step cookie cannot resend', async () => {
    await signUp(domain, 'gated-two').catch(() => undefined);
    const wrong = await new Browser(domain).request('app1', '/api/login', { json: { username: 'gated-two', password: 'wrong password' } });
    expect(wrong.status).toBe(401);
    const forged = new Browser(domain);
    forged.setCookie('__Host-sso-verify', 'p1.x.dXNy.9999999999999.tag.sig', 'app1');
    expect((await forged.request('app1', '/api/email/verification', { json: {} })).status).toBe(401);
  });
});

describe('SSO_REQUIRE_VERIFIED_EMAIL turned on for existing accounts', () => {
  it('a session from before gets no new token; an account with no address names one at the step, confirms it, then signs in', async () => {
    const domain = await startDomain({ env: { SSO_EMAIL_MAILS_PER_ACCOUNT: '1000' } });
    try {
      const old = await signUp(domain, 'before-gate');
      await signUp(domain, 'addressless', null);
      domain.env.SSO_REQUIRE_VERIFIED_EMAIL = 'true';
      await domain.restart('app1');

      const refresh = await old.request('app1', '/api/session/refresh', { json: {} });
      expect(refresh.status).toBe(401);
      expect(old.cookie(DOMAIN_COOKIE)).toBeUndefined();

      const b = new Browser(domain);
      const login = await b.request('app1', '/api/login', { json: { username: 'addressless', password: PASSWORD } });
      expect(LoginOutcomeSchema.parse(login.body)).toEqual({ verifyEmail: { email: null } });
      const bare = await b.request('app1', '/api/email/verification', { json: {} });
      expect(bare.status).toBe(400);
      const named = await b.request('app1', '/api/email/verification', { json: { email: 'found@example.test' } });
      expect(named.status).toBe(202);
      expect(ResendVerificationResponseSchema.parse(named.body)).toEqual({ sentTo: 'found@example.test' });
      const token = await latestToken(domain, 'found@example.test', 'Confirm your new email address');
      expect((await verify(domain, token)).status).toBe(200);
      const after = await b.request('app1', '/api/login', { json: { username: 'addressless', password: PASSWORD } });
      expect(LoginOutcomeSchema.parse(after.body).user).toMatchObject({ email: 'found@example.test', emailVerified: true });
      expect(claimsOf(b)).toMatchObject({ email: 'found@example.test', email_verified: true });
    } finally {
      await domain.stop();
    }
  });
});

describe.skipIf(skipPostgres(probe))(postgresSuiteName('email verification and change on PostgreSQL (STORE=postgres)', probe), () => {
  let db: TestDatabase;
  let domain: Domain;
  beforeAll(async () => {
    db = await createTestDatabase(probe);
    domain = await startDomain({ env: { STORE: 'postgres', DATABASE_URL: db.url, SSO_EMAIL_MAILS_PER_ACCOUNT: '3', SSO_EMAIL_REQUESTS_PER_ADDRESS: '1000' } });
  });
  afterAll(async () => {
    await domain?.stop();
    await db?.drop();
  });

  it('verify, change, claims at app 2, the stored rows (hashes only), and the per-account limit under a burst', async () => {
    const b = await signUp(domain, 'pg-mailer', 'pg-old@example.test');
    const verifyToken = await latestToken(domain, 'pg-old@example.test');
    expect((await verify(domain, verifyToken, b)).status).toBe(200);
    expect(problem((await verify(domain, verifyToken)).body).code).toBe('LINK_USED');
    expect(await me(b)).toMatchObject({ email: 'pg-old@example.test', emailVerified: true });

    expect((await b.request('app1', '/api/account/email', { json: { email: 'pg-new@example.test', currentPassword: PASSWORD } })).status).toBe(202);
    expect(EmailStatusSchema.parse((await b.request('app1', '/api/account/email')).body).pending?.email).toBe('pg-new@example.test');
    const changeToken = await latestToken(domain, 'pg-new@example.test', 'Confirm your new email address');
    const rows = await db.query<{ hash: string; email: string | null }>('SELECT hash, email FROM app1.one_time_tokens');
    expect(JSON.stringify(rows)).not.toContain(changeToken);
    expect(rows.map((r) => r.email)).toContain('pg-new@example.test');
    expect((await verify(domain, changeToken)).status).toBe(200);
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(await me(b)).toMatchObject({ email: 'pg-new@example.test', emailVerified: true });
    expect(await db.query('SELECT email, email_verified FROM app1.users WHERE username = $1', ['pg-mailer'])).toEqual([{ email: 'pg-new@example.test', email_verified: true }]);
    expect(await db.query('SELECT email, email_verified FROM app2.local_users WHERE username = $1', ['pg-mailer'])).toEqual([{ email: 'pg-new@example.test', email_verified: true }]);

    // Of 8 resends at once for a fresh account, exactly the limit (3) pass: counted in the shared PostgreSQL table.
    const other = await signUp(domain, 'pg-bomber');
    const results = await Promise.all(Array.from({ length: 8 }, () => other.request('app1', '/api/email/verification', { json: {} })));
    expect(results.filter((r) => r.status === 202)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
  });
});
