import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './harness';
import { createTestDatabase, findPostgres, postgresSuiteName, skipPostgres, type TestDatabase } from './pg-test-db';

/**
 * `npm start` (scripts/start.ts) and `npm run doctor` (scripts/doctor.ts) as
 * a person runs them, in a child process with standard output piped: what
 * they print, which store they name, and that logs stay JSON off a terminal.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The parent's environment without what would change the store or the log sink. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BCRYPT_COST: '4', LOG_LEVEL: 'info', ...extra };
  for (const name of ['STORE', 'DATABASE_URL', 'LOG_DIR', 'SSO_TOKEN_ALG', 'SSO_HS256_SECRET', 'APP1_ORIGIN', 'APP2_ORIGIN', 'SSO_JWKS_URL', 'SSO_REVOCATIONS_URL']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** Runs scripts/start.ts until its banner is out, then stops it with SIGTERM; returns standard output and the exit code. */
async function startOnce(env: Record<string, string>, alsoWaitFor: string[] = []): Promise<{ stdout: string; code: number | null }> {
  const [app1Port, app2Port] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env: baseEnv({ APP1_PORT: String(app1Port), APP2_PORT: String(app2Port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 25_000;
  // Log lines are written asynchronously: they may come after the banner.
  while (!stdout.includes('Stop with Ctrl+C.') || !alsoWaitFor.every((text) => stdout.includes(text))) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no banner within 25 s; stdout: ${stdout}; stderr: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  return { stdout, code: await exited };
}

/** Runs scripts/doctor.ts to completion. */
async function doctor(env: Record<string, string>): Promise<{ stdout: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/doctor.ts')], {
    cwd: repoRoot,
    // A port nothing listens on: the JWKS checks warn, they are not what is tested here.
    env: baseEnv({ APP1_PORT: String(await freePort()), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { stdout, code };
}

/** The lines of standard output that are not the banner's. */
function logLines(stdout: string): string[] {
  const start = stdout.indexOf('\n─');
  return (start >= 0 ? stdout.slice(0, start) : stdout).split('\n').filter((l) => l.trim() !== '');
}

describe('npm start banner (lowdb)', () => {
  it('names the lowdb store and the key file in DATA_DIR, and logs JSON when standard output is piped', async () => {
    const dataDir = await tempDir('sso-start-');
    const { stdout, code } = await startOnce({ DATA_DIR: dataDir, SPA_DIR: path.join(dataDir, 'none') }, ['app 1 (identity) listening', 'app 2 (relying) listening']);
    expect(stdout).toContain(`Store: lowdb files app1.json, app2.json in ${dataDir}`);
    expect(stdout).toContain(`Keys:  ${path.join(dataDir, 'signing-keys.json')} (signing) and device-cookie.key beside it`);
    expect(stdout).not.toContain('Data and keys');
    expect(stdout).not.toContain('Logs:');
    // Where reset and other mail lands by default (MAIL_TRANSPORT=file).
    expect(stdout).toContain(`Mail:  written to ${path.join(dataDir, 'outbox')} (one JSON file per message`);
    expect(stdout).toContain('Admin: npm run admin -- --help');
    // Not a terminal: the listening lines are JSON, one per line (before or after the banner).
    const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^app 1 \(identity\) listening/), expect.stringMatching(/^app 2 \(relying\) listening/)]));
    expect(code).toBe(0);
  });

  it('with LOG_DIR (as the e2e suite runs it) prints the banner alone and says where the logs go', async () => {
    const dataDir = await tempDir('sso-start-');
    const logDir = path.join(dataDir, 'logs');
    const { stdout, code } = await startOnce({ DATA_DIR: dataDir, SPA_DIR: path.join(dataDir, 'none'), LOG_DIR: logDir });
    expect(logLines(stdout)).toEqual([]);
    expect(stdout).toContain(`Logs:  ${path.join(logDir, 'app1.log')}, app2.log beside it`);
    expect(code).toBe(0);
  });

  it('in HS256 mode says the key is the shared secret, not a file', async () => {
    const dataDir = await tempDir('sso-start-');
    const { stdout } = await startOnce({ DATA_DIR: dataDir, SPA_DIR: path.join(dataDir, 'none'), SSO_TOKEN_ALG: 'HS256', SSO_HS256_SECRET: 'k'.repeat(43) });
    expect(stdout).toContain(`Keys:  HS256 secret from SSO_HS256_SECRET; device-cookie.key in ${dataDir}`);
    expect(stdout).not.toContain('k'.repeat(43));
  });
});

describe('npm run doctor, PostgreSQL unreachable', () => {
  it('says the database does not answer, with the URL masked, and exits 1', async () => {
    const port = await freePort(); // closed again: nothing listens there
    const { stdout, code } = await doctor({ DATA_DIR: await tempDir('sso-doctor-'), STORE: 'postgres', DATABASE_URL: `postgres://sso:s3cret-pw@127.0.0.1:${port}/sso` });
    expect(stdout).toContain(`Store: PostgreSQL postgres://sso:***@127.0.0.1:${port}/sso`);
    expect(stdout).toMatch(/✘ the database does not answer \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\. Neither app starts until it does/);
    expect(stdout).not.toContain('s3cret-pw');
    expect(stdout).toContain('1 problem(s) found.');
    expect(code).toBe(1);
  });

  it('with lowdb names the files and checks no database', async () => {
    const dataDir = await tempDir('sso-doctor-');
    const { stdout, code } = await doctor({ DATA_DIR: dataDir });
    expect(stdout).toContain('Store: lowdb');
    expect(stdout).toContain(`app1.json and app2.json in ${dataDir}`);
    expect(code).toBe(0);
  });
});

const probe = await findPostgres();

describe.skipIf(skipPostgres(probe))(postgresSuiteName('npm start and doctor with PostgreSQL', probe), () => {
  let db: TestDatabase;
  let url: string;
  beforeAll(async () => {
    db = await createTestDatabase(probe);
    // A password the banner must mask (trust authentication ignores it).
    const u = new URL(db.url);
    u.password = 's3cret-pw';
    url = u.href;
  });
  afterAll(() => db?.drop());

  it('doctor before the first start: the database answers, the schemas do not exist yet', async () => {
    const { stdout, code } = await doctor({ DATA_DIR: await tempDir('sso-doctor-'), STORE: 'postgres', DATABASE_URL: url });
    expect(stdout).toMatch(/✔ answers in \d+ ms: PostgreSQL \d+/);
    expect(stdout).toContain('! schema app1 does not exist yet');
    expect(stdout).not.toContain('s3cret-pw');
    expect(code).toBe(0);
  });

  it('the banner names PostgreSQL with the password masked, and the keys still in DATA_DIR', async () => {
    const dataDir = await tempDir('sso-start-');
    const { stdout, code } = await startOnce({ DATA_DIR: dataDir, SPA_DIR: path.join(dataDir, 'none'), STORE: 'postgres', DATABASE_URL: url });
    const masked = new URL(url);
    masked.password = '***';
    expect(stdout).toContain(`Store: PostgreSQL ${masked.href} (schemas app1, app2)`);
    expect(stdout).toContain(`Keys:  ${path.join(dataDir, 'signing-keys.json')}`);
    expect(stdout).not.toContain('s3cret-pw');
    expect(stdout).not.toContain('lowdb');
    expect(code).toBe(0);
  });

  it('doctor after a start: both schemas are migrated', async () => {
    const { stdout, code } = await doctor({ DATA_DIR: await tempDir('sso-doctor-'), STORE: 'postgres', DATABASE_URL: url });
    expect(stdout).toMatch(/✔ schema app1 is migrated \(version \d+\)/);
    expect(stdout).toMatch(/✔ schema app2 is migrated \(version \d+\)/);
    expect(code).toBe(0);
  });
});
