import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema, RevocationFeedSchema } from '@sso/types';
import { EXIT, runAdminCli } from '../app1/src/admin/cli';
import { runAdminCommand } from '../app1/src/admin/operations';
import { ADMIN_SOCKET_FILE } from '../app1/src/admin/socket';
import { Browser, freePort, startDomain, type Domain } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/*
 * `npm run admin -- <verb>` (ADR 034) on both stores: every verb, its table
 * and --json output, its exit codes, and that disable, delete and revoke
 * reach app 2 through the revocation feed. With lowdb the running app 1
 * carries the command out over its admin socket (one writer per store); with
 * PostgreSQL the command opens the database itself.
 */

const PASSWORD = 'correct horse battery';
const probe = await findPostgres();

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

async function admin(env: Record<string, string>, ...args: string[]): Promise<Cli> {
  let stdout = '';
  let stderr = '';
  const code = await runAdminCli(args, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  let json: unknown = null;
  if (args.includes('--json')) json = JSON.parse(stdout);
  return { code, stdout, stderr, json };
}

function tokenPayload(b: Browser): any {
  const token = b.cookie('__Secure-sso')!;
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** Polls app 2 with this browser until it is refused; fails past `limitMs`. */
async function refusedAtApp2(b: Browser, limitMs = 2_000): Promise<void> {
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < limitMs) {
    status = (await b.request('app2', '/api/me')).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 20));
  }
  expect(status).toBe(401);
}

async function until(check: () => Promise<boolean>, limitMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function verbSuite(store: 'lowdb' | 'postgres') {
  let domain: Domain;
  let db: TestDatabase | null = null;
  let env: Record<string, string>;
  let n = 0;
  const name = (p: string) => `${p}${store === 'lowdb' ? 'l' : 'p'}${++n}`;

  beforeAll(async () => {
    const extra: Record<string, string> = {};
    if (store === 'postgres') {
      db = await createTestDatabase(probe);
      Object.assign(extra, { STORE: 'postgres', DATABASE_URL: db.url });
    }
    domain = await startDomain({ env: extra });
    env = domain.env;
  });
  afterAll(async () => {
    await domain?.stop();
    await db?.drop();
  });

  async function signUp(username: string, extra: Record<string, unknown> = {}): Promise<Browser> {
    const b = new Browser(domain);
    const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD, ...extra } });
    expect(res.status).toBe(201);
    return b;
  }
  const signIn = async (username: string) => {
    const b = new Browser(domain);
    return { b, res: await b.request('app1', '/api/login', { json: { username, password: PASSWORD } }) };
  };

  it('users lists every account as a table and as JSON; user show tells one', async () => {
    const alice = name('alice');
    await signUp(alice, { email: `${alice}@example.test`, name: 'Alice A' });
    const table = await admin(env, 'users');
    expect(table.code).toBe(EXIT.OK);
    expect(table.stdout).toMatch(/^USERNAME\s+ID\s+EMAIL\s+NAME\s+GROUPS\s+CREATED\s+STATUS/);
    expect(table.stdout).toMatch(new RegExp(`${alice}\\s+usr_\\S+\\s+${alice}@example.test\\s+Alice A\\s+\\d{4}-\\d\\d-\\d\\d \\S+Z\\s+active`));
    const json = await admin(env, 'users', '--json');
    const listed = json.json.users.find((u: any) => u.username === alice);
    expect(listed).toMatchObject({ username: alice, email: `${alice}@example.test`, name: 'Alice A', groups: [], disabledAt: null });
    expect(JSON.stringify(json.json)).not.toContain('$2'); // never a password hash

    const show = await admin(env, 'user', 'show', alice.toUpperCase(), '--json'); // names are normalized as at sign-in
    expect(show.code).toBe(EXIT.OK);
    expect(show.json.user).toMatchObject({ username: alice, liveSessions: 1, totp: false, groups: [] });
    expect((await admin(env, 'user', 'show', alice)).stdout).toMatch(/live sessions:\s+1/);
    const missing = await admin(env, 'user', 'show', 'nobody-here');
    expect(missing).toMatchObject({ code: EXIT.NOT_FOUND, stdout: '' });
    expect(missing.stderr).toContain('No account is named nobody-here');
  });

  it('group add and remove change the token of the next renewal, app 1 session answer and app 2 profile', async () => {
    const bob = name('bob');
    const b = await signUp(bob);
    expect(tokenPayload(b).groups).toEqual([]);
    const added = await admin(env, 'group', 'add', bob, 'admins');
    expect(added).toMatchObject({ code: EXIT.OK });
    expect(added.stdout).toContain(`Added ${bob} to admins. Groups: admins`);
    expect((await admin(env, 'group', 'add', bob, 'admins', '--json')).json).toMatchObject({ changed: false, groups: ['admins'] });
    await admin(env, 'group', 'add', bob, 'ops');

    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    expect(tokenPayload(b).groups).toEqual(['admins', 'ops']);
    expect((await b.request('app1', '/api/session')).body.user.groups).toEqual(['admins', 'ops']);
    expect((await b.request('app2', '/api/me')).body.groups).toEqual(['admins', 'ops']);

    expect((await admin(env, 'group', 'remove', bob, 'admins')).stdout).toContain(`Removed ${bob} from admins. Groups: ops`);
    expect((await admin(env, 'group', 'remove', bob, 'admins', '--json')).json).toMatchObject({ changed: false, groups: ['ops'] });
    await b.request('app1', '/api/session/refresh', { json: {} });
    expect(tokenPayload(b).groups).toEqual(['ops']);

    expect((await admin(env, 'group', 'add', bob, 'no spaces')).code).toBe(EXIT.USAGE);
    expect((await admin(env, 'group', 'add', 'nobody-here', 'ops')).code).toBe(EXIT.NOT_FOUND);
  });

  it('group add stops at 20 groups, also when 30 are added at once; the 21st is exit 5', async () => {
    const carol = name('carol');
    await signUp(carol);
    // The store's check-and-add is what holds under a burst (30 operators at once).
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => runAdminCommand(domain.app1.context, { verb: 'group add', username: carol, group: `g${i}` })),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(20);
    expect(outcomes.filter((o) => !o.ok && o.code === 'CONFLICT')).toHaveLength(10);
    expect((await admin(env, 'user', 'show', carol, '--json')).json.user.groups).toHaveLength(20);
    const full = await admin(env, 'group', 'add', carol, 'one-more');
    expect(full.code).toBe(EXIT.CONFLICT);
    expect(full.stderr).toContain('20 groups already');
  });

  it('user sessions lists live sessions; session revoke ends one, and app 2 refuses its token within the feed bound', async () => {
    const dave = name('dave');
    const laptop = await signUp(dave);
    const { b: phone } = await signIn(dave);
    expect((await phone.request('app2', '/api/me')).status).toBe(200);
    const listed = await admin(env, 'user', 'sessions', dave, '--json');
    expect(listed.json.sessions).toHaveLength(2);
    expect((await admin(env, 'user', 'sessions', dave)).stdout).toMatch(/^SESSION\s+BROWSER\s+OS\s+ADDRESS\s+SIGNED IN\s+LAST ACTIVE\s+AMR/);
    const phoneSid = (await phone.request('app1', '/api/session')).body.session.id as string;

    const revoked = await admin(env, 'session', 'revoke', phoneSid);
    expect(revoked).toMatchObject({ code: EXIT.OK });
    expect(revoked.stdout).toContain(`Ended session ${phoneSid} of ${dave}`);
    await refusedAtApp2(phone);
    expect((await laptop.request('app2', '/api/me')).status).toBe(200);
    expect((await admin(env, 'session', 'revoke', phoneSid, '--json')).json).toMatchObject({ changed: false });
    expect((await admin(env, 'session', 'revoke', 'ses_nonesuch')).code).toBe(EXIT.NOT_FOUND);
    expect((await admin(env, 'user', 'sessions', dave, '--json')).json.sessions).toHaveLength(1);
  });

  it('user disable ends every session (app 2 refuses within the bound) and refuses sign-in; user enable lets it in again', async () => {
    const erin = name('erin');
    const b = await signUp(erin);
    expect((await b.request('app2', '/api/me')).status).toBe(200);
    const disabled = await admin(env, 'user', 'disable', erin, '--json');
    expect(disabled.json).toMatchObject({ changed: true, revokedSessions: 1 });
    await refusedAtApp2(b);
    expect((await signIn(erin)).res.status).toBe(401);
    expect((await admin(env, 'user', 'disable', erin, '--json')).json).toMatchObject({ changed: false, revokedSessions: 0 });
    expect((await admin(env, 'users', '--json')).json.users.find((u: any) => u.username === erin).disabledAt).not.toBeNull();
    expect((await admin(env, 'user', 'reset-link', erin)).code).toBe(EXIT.CONFLICT);

    expect((await admin(env, 'user', 'enable', erin)).stdout).toContain(`Enabled ${erin}`);
    expect((await admin(env, 'user', 'enable', erin, '--json')).json).toMatchObject({ changed: false });
    expect((await signIn(erin)).res.status).toBe(200);
  });

  it('user reset-link prints a working one-time link built from APP1_ORIGIN', async () => {
    const fay = name('fay');
    await signUp(fay);
    const link = await admin(env, 'user', 'reset-link', fay, '--json');
    expect(link.code).toBe(EXIT.OK);
    expect(link.json.link.startsWith(`${domain.origins.app1}/reset-password#token=rst_`)).toBe(true);
    const token = new URL(link.json.link).hash.slice('#token='.length);
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/password/reset', { json: { token, password: 'a brand new secret' } })).status).toBe(200);
    expect((await b.request('app1', '/api/login', { json: { username: fay, password: 'a brand new secret' } })).status).toBe(200);
  });

  it('user delete needs --yes, then deletes the account: feed event, sessions refused and app 2 deletes its local user', async () => {
    const gus = name('gus');
    const b = await signUp(gus);
    const me = await b.request('app2', '/api/me');
    expect(me.status).toBe(200);
    const sub = me.body.user.sub as string;
    expect(await domain.app2!.users.findBySubject(domain.origins.app1, sub)).not.toBeNull();

    const refused = await admin(env, 'user', 'delete', gus);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toContain('--yes');
    const deleted = await admin(env, 'user', 'delete', gus, '--yes', '--json');
    expect(deleted.json).toMatchObject({ username: gus, id: sub, revokedSessions: 1 });

    const feed = RevocationFeedSchema.parse((await fetch(`${domain.urls.app1}/api/revocations?since=0`).then((r) => r.json())));
    expect(feed.deletions).toContainEqual(expect.objectContaining({ iss: domain.origins.app1, sub }));
    await refusedAtApp2(b);
    await until(async () => (await domain.app2!.users.findBySubject(domain.origins.app1, sub)) === null);
    expect((await admin(env, 'user', 'show', gus)).code).toBe(EXIT.NOT_FOUND);
    expect((await admin(env, 'user', 'delete', gus, '--yes')).code).toBe(EXIT.NOT_FOUND);
    const login = await signIn(gus);
    expect(ProblemSchema.parse(login.res.body).code).toBe('INVALID_CREDENTIALS');
  });
}

describe('admin verbs on lowdb, through the running app 1', () => verbSuite('lowdb'));
describe.skipIf(skipPostgres(probe))(postgresSuiteName('admin verbs on PostgreSQL', probe), () => verbSuite('postgres'));

describe('the admin socket refuses what is not a command', () => {
  let domain: Domain;
  beforeAll(async () => {
    domain = await startDomain({ withApp2: false });
  });
  afterAll(() => domain.stop());

  function raw(method: string, body: string, urlPath = '/admin'): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: path.join(domain.dataDir, ADMIN_SOCKET_FILE), path: urlPath, method, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers 4xx with a reason, never 500, for a wrong method or path, bad JSON, an unknown verb, bad arguments or an oversized body', async () => {
    expect((await raw('GET', '')).status).toBe(404);
    expect((await raw('POST', '{}', '/other')).status).toBe(404);
    for (const body of ['not json', '{}', '{"verb":"user wipe","username":"alice"}', '{"verb":"group add","username":"alice","group":"no spaces"}', '{"verb":"users","extra":"x'.padEnd(5000, 'x') + '"}']) {
      const res = await raw('POST', body);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(res.body).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.any(String) });
    }
    // And a command still works after them.
    expect((await raw('POST', '{"verb":"users"}')).body).toMatchObject({ ok: true, result: { verb: 'users', users: [] } });
  });
});

describe('admin on lowdb with no app 1 running', () => {
  let domain: Domain;
  beforeAll(async () => {
    domain = await startDomain({ withApp2: false });
  });
  afterAll(() => domain.stop());

  it('opens the store itself (taking its lock), and app 1 sees the change when it starts again', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'offline1', password: PASSWORD } })).status).toBe(201);
    await domain.app1.stop();
    await expect(stat(path.join(domain.dataDir, ADMIN_SOCKET_FILE))).rejects.toThrow(); // gone with the process that listened
    expect((await admin(domain.env, 'users', '--json')).json.users.map((u: any) => u.username)).toEqual(['offline1']);
    expect((await admin(domain.env, 'group', 'add', 'offline1', 'staff')).code).toBe(EXIT.OK);
    expect((await admin(domain.env, 'user', 'disable', 'offline1', '--json')).json).toMatchObject({ changed: true, revokedSessions: 1 });
    await domain.restart('app1');
    expect((await new Browser(domain).request('app1', '/api/login', { json: { username: 'offline1', password: PASSWORD } })).status).toBe(401);
    const feed = RevocationFeedSchema.parse(await fetch(`${domain.urls.app1}/api/revocations?since=0`).then((r) => r.json()));
    expect(feed.revocations).toHaveLength(1); // the session disabled while app 1 was down still reaches relying apps
    expect((await admin(domain.env, 'user', 'enable', 'offline1')).code).toBe(EXIT.OK); // and now through the socket again
    expect((await new Browser(domain).request('app1', '/api/login', { json: { username: 'offline1', password: PASSWORD } })).status).toBe(200);
  });
});

describe('admin exit codes', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDataDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'sso-adm-'));
    dirs.push(d);
    return d;
  };

  it('2 for a usage error, and --help is 0', async () => {
    const env = { DATA_DIR: await tempDataDir() };
    for (const args of [[], ['frobnicate'], ['user', 'show'], ['user', 'show', 'a', 'b'], ['users', '--colour'], ['session', 'revoke'], ['group', 'add', 'alice']]) {
      const r = await admin(env, ...args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr).toContain('--help');
    }
    const help = await admin(env, '--help');
    expect(help.code).toBe(EXIT.OK);
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 failed, 2 usage error, 3 not found, 4 store or service');
  });

  it('1 for a configuration app 1 would refuse, naming the variable', async () => {
    const r = await admin({ DATA_DIR: await tempDataDir(), SSO_TOKEN_TTL: 'soon' }, 'users');
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.stderr).toContain('SSO_TOKEN_TTL');
  });

  it('4 when the lowdb store is held by a live process whose admin socket does not answer: it never opens the store beside it', async () => {
    const dataDir = await tempDataDir();
    const holder = spawn('sleep', ['30']);
    try {
      await writeFile(path.join(dataDir, 'app1.json.lock'), String(holder.pid), { mode: 0o600 });
      const r = await admin({ DATA_DIR: dataDir }, 'users');
      expect(r.code).toBe(EXIT.UNAVAILABLE);
      expect(r.stderr).toContain(`in use by another process (pid ${holder.pid})`);
      expect(r.stderr).toContain('admin socket');
      await expect(stat(path.join(dataDir, 'app1.json'))).rejects.toThrow(); // nothing written
    } finally {
      holder.kill();
    }
  });

  it('4 when PostgreSQL cannot be reached', async () => {
    const r = await admin({ DATA_DIR: await tempDataDir(), STORE: 'postgres', DATABASE_URL: 'postgres://sso:secret@127.0.0.1:1/sso' }, 'users');
    expect(r.code).toBe(EXIT.UNAVAILABLE);
    expect(r.stderr).toContain('Cannot open the store');
    expect(r.stderr).not.toContain('secret'); // the password is masked
  });
});

describe('admin against app 1 running as its own process (lowdb)', () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  let dataDir: string;
  let server: ChildProcess;
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sso-adm-'));
    port = await freePort();
    env = { ...process.env, DATA_DIR: dataDir, APP1_PORT: String(port), BCRYPT_COST: '4', LOG_LEVEL: 'warn', SPA_DIR: path.join(dataDir, 'no-spa') };
    for (const v of ['STORE', 'DATABASE_URL', 'LOG_DIR']) delete env[v];
    server = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bff/app1/src/server.ts')], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true, 25_000);
  }, 30_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `npm run admin -- ...` as an operator types it, in its own process. */
  function npmAdmin(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/admin.ts'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('acts through the running process (its lock untouched, its socket 0600) and its exit codes reach the shell', async () => {
    const signup = await fetch(`http://127.0.0.1:${port}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://app1.sso.localhost:${port}` },
      body: JSON.stringify({ username: 'running1', password: PASSWORD }),
    });
    expect(signup.status).toBe(201);
    expect((await stat(path.join(dataDir, ADMIN_SOCKET_FILE))).mode & 0o777).toBe(0o600);

    const [disabled, missing, usage] = await Promise.all([npmAdmin('user', 'disable', 'running1'), npmAdmin('user', 'show', 'nobody-here'), npmAdmin('user')]);
    expect(disabled).toMatchObject({ code: 0 });
    expect(disabled.stdout).toContain('Disabled running1; 1 session ended');
    expect(missing.code).toBe(3);
    expect(usage.code).toBe(2);
    expect(await readFile(path.join(dataDir, 'app1.json.lock'), 'utf8')).toBe(String(server.pid));

    // The running process itself changed: its sign-in refuses the account, its feed lists the session.
    const login = await fetch(`http://127.0.0.1:${port}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://app1.sso.localhost:${port}` },
      body: JSON.stringify({ username: 'running1', password: PASSWORD }),
    });
    expect(login.status).toBe(401);
    const deleted = await npmAdmin('user', 'delete', 'running1', '--yes', '--json');
    expect(deleted.code).toBe(0);
    const feed = RevocationFeedSchema.parse(await fetch(`http://127.0.0.1:${port}/api/revocations?since=0`).then((r) => r.json()));
    expect(feed.revocations).toHaveLength(1);
    expect(feed.deletions).toEqual([expect.objectContaining({ sub: JSON.parse(deleted.stdout).id })]);
  }, 60_000);
});
