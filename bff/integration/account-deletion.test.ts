import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountExportSchema, DeleteAccountResponseSchema, ProblemSchema, RecoveryCodesResponseSchema, RevocationFeedSchema, TotpSetupResponseSchema } from '@sso/types';
import { totpCodeAt } from '../app1/src/mfa/totp';
import { Browser, startDomain, testClock, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * Account deletion (ADR 034): the person downloads what app 1 holds (no
 * secrets), deletes the account with the password again (and a code with a
 * second factor), every session ends, the deletion reaches app 2 through the
 * revocation feed and app 2 deletes its local user. On both stores.
 */

const PASSWORD = 'correct horse battery';
const probe = await findPostgres();

async function until(check: () => Promise<boolean>, limitMs = 2_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

function deletionSuite(store: 'lowdb' | 'postgres') {
  let domain: Domain;
  let db: TestDatabase | null = null;
  const clock = testClock();
  let n = 0;
  const name = (p: string) => `${p}${store === 'lowdb' ? 'l' : 'p'}${++n}`;

  beforeAll(async () => {
    if (store === 'postgres') db = await createTestDatabase(probe);
    domain = await startDomain({ env: db ? { STORE: 'postgres', DATABASE_URL: db.url } : {}, app1: { now: clock.now }, app2: { now: clock.now } });
  });
  afterAll(async () => {
    await domain?.stop();
    await db?.drop();
  });

  async function signUp(username: string, extra: Record<string, unknown> = {}): Promise<Browser> {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...extra } })).status).toBe(201);
    return b;
  }
  const feed = async () => RevocationFeedSchema.parse(await fetch(`${domain.urls.app1}/api/revocations?since=0`).then((r) => r.json()));
  const localUser = (sub: string) => domain.app2!.users.findBySubject(domain.origins.app1, sub);

  it('GET /api/account/export answers what app 1 holds, as a download, and no secret', async () => {
    const hana = name('hana');
    const b = await signUp(hana, { email: `${hana}@example.test`, name: 'Hana H' });
    const setup = TotpSetupResponseSchema.parse((await b.request('app1', '/api/account/totp/setup', { json: {} })).body);
    expect((await b.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now()) } })).status).toBe(200);

    const res = await b.request('app1', '/api/account/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="account-${hana}.json"`);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const data = AccountExportSchema.parse(res.body);
    expect(data.account).toMatchObject({ username: hana, email: `${hana}@example.test`, name: 'Hana H', groups: [], disabledAt: null });
    expect(data.issuer).toBe(domain.origins.app1);
    expect(data.sessions).toHaveLength(1);
    expect(data.sessions[0]).toMatchObject({ userAgent: expect.any(String), amr: ['pwd'] });
    expect(data.secondFactor).toMatchObject({ totp: { confirmedAt: expect.any(String) }, recoveryCodesLeft: 10 });
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/\$2[aby]?\$/); // bcrypt hash
    expect(text).not.toContain(setup.secret);
    expect(text).not.toMatch(/passwordHash|sealedSecret|refreshHash|retired|hashes/i);
    expect((await new Browser(domain).request('app1', '/api/account/export')).status).toBe(401);
  });

  it('deleting needs the password again; a wrong one (or a request from another origin) changes nothing', async () => {
    const ivan = name('ivan');
    const b = await signUp(ivan);
    const wrong = await b.request('app1', '/api/account/delete', { json: { password: 'not it at all' } });
    expect(ProblemSchema.parse(wrong.body)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', errors: { password: ['The password is wrong.'] } });
    const forged = await b.request('app1', '/api/account/delete', { json: { password: PASSWORD }, origin: 'http://evil.sso.localhost:1' });
    expect(ProblemSchema.parse(forged.body).code).toBe('FORBIDDEN_ORIGIN');
    const noBody = await b.request('app1', '/api/account/delete', { json: {} });
    expect(ProblemSchema.parse(noBody.body).code).toBe('VALIDATION_FAILED');
    expect((await b.request('app1', '/api/session')).body.user.username).toBe(ivan);
    expect((await new Browser(domain).request('app1', '/api/account/delete', { json: { password: PASSWORD } })).status).toBe(401);
  });

  it('deletes the account: sessions end, cookies clear, the feed carries the deletion and app 2 deletes its local user', async () => {
    const juno = name('juno');
    const b = await signUp(juno, { email: `${juno}@example.test` });
    const phone = new Browser(domain);
    expect((await phone.request('app1', '/api/login', { json: { username: juno, password: PASSWORD } })).status).toBe(200);
    const me = await phone.request('app2', '/api/me');
    expect(me.status).toBe(200);
    const sub = me.body.user.sub as string;
    expect(await localUser(sub)).not.toBeNull();

    const started = Date.now();
    const res = await b.request('app1', '/api/account/delete', { json: { password: PASSWORD } });
    expect(DeleteAccountResponseSchema.parse(res.body)).toEqual({ deleted: true, revokedSessions: 2 });
    expect(res.setCookies.some((c) => c.startsWith('__Secure-sso=;'))).toBe(true);
    expect((await b.request('app1', '/api/session')).body).toEqual({ user: null });

    const entry = (await feed()).deletions.find((d) => d.sub === sub);
    expect(entry).toMatchObject({ iss: domain.origins.app1, sub });
    await until(async () => (await phone.request('app2', '/api/me')).status === 401);
    await until(async () => (await localUser(sub)) === null);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Gone at app 1 too: the name is free again, and a new account is a new subject.
    expect((await phone.request('app1', '/api/login', { json: { username: juno, password: PASSWORD } })).status).toBe(401);
    const again = await signUp(juno);
    expect((await again.request('app2', '/api/me')).body.user.sub).not.toBe(sub);
  });

  it('with a second factor it also takes a code: none is a 400 naming the field, a wrong one a 401, a recovery code works', async () => {
    const kira = name('kira');
    const b = await signUp(kira);
    const setup = TotpSetupResponseSchema.parse((await b.request('app1', '/api/account/totp/setup', { json: {} })).body);
    const confirmed = await b.request('app1', '/api/account/totp/confirm', { json: { code: totpCodeAt(setup.secret, clock.now()) } });
    const [recovery] = RecoveryCodesResponseSchema.parse(confirmed.body).recoveryCodes;

    const none = await b.request('app1', '/api/account/delete', { json: { password: PASSWORD } });
    expect(ProblemSchema.parse(none.body)).toMatchObject({ code: 'VALIDATION_FAILED', errors: { code: [expect.stringContaining('authenticator')] } });
    const wrong = await b.request('app1', '/api/account/delete', { json: { password: PASSWORD, code: '000000' } });
    expect(ProblemSchema.parse(wrong.body).code).toBe('INVALID_SECOND_FACTOR');
    expect((await b.request('app1', '/api/session')).status).toBe(200);
    const ok = await b.request('app1', '/api/account/delete', { json: { password: PASSWORD, code: recovery } });
    expect(ok.status).toBe(200);
  });

  it('two deletions at once delete once: one feed event', async () => {
    const liam = name('liam');
    const b = await signUp(liam);
    const sub = (await b.request('app1', '/api/session')).body.user.id as string;
    const results = await Promise.all([0, 1, 2].map(() => b.request('app1', '/api/account/delete', { json: { password: PASSWORD } })));
    // 429: one password check per account at a time (SSO_LOGIN_CONCURRENCY_PER_USER); 401: the account was gone already.
    for (const r of results) expect([200, 401, 429]).toContain(r.status);
    expect(results.some((r) => r.status === 200)).toBe(true);
    expect((await feed()).deletions.filter((d) => d.sub === sub)).toHaveLength(1);
  });

  it('an app 2 that was down when the account was deleted deletes its local user when it starts again', async () => {
    const nina = name('nina');
    const b = await signUp(nina);
    const sub = (await b.request('app2', '/api/me')).body.user.sub as string;
    await domain.app2!.stop();
    expect((await b.request('app1', '/api/account/delete', { json: { password: PASSWORD } })).status).toBe(200);
    await domain.restart('app2');
    // Its cursor starts at 0: the feed still holds the deletion (SSO_DELETION_FEED_RETENTION).
    await until(async () => (await localUser(sub)) === null);
  });

  it('tells the person by mail', async () => {
    if (store === 'postgres') return; // one store is enough for the outbox
    const mia = name('mia');
    const b = await signUp(mia, { email: `${mia}@example.test` });
    expect((await b.request('app1', '/api/account/delete', { json: { password: PASSWORD } })).status).toBe(200);
    const outbox = path.join(domain.dataDir, 'outbox');
    // Whole mails only (the file transport writes a dot-named temp file, then renames it); the sign-up also mailed a verification link.
    const mails = async () =>
      Promise.all(
        (await readdir(outbox).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map(async (f) => JSON.parse(await readFile(path.join(outbox, f), 'utf8'))),
      );
    await until(async () => (await mails()).some((m) => m.to === `${mia}@example.test` && String(m.subject).includes('Your account was deleted')));
  });
}

describe('account deletion on lowdb', () => deletionSuite('lowdb'));
describe.skipIf(skipPostgres(probe))(postgresSuiteName('account deletion on PostgreSQL', probe), () => deletionSuite('postgres'));
