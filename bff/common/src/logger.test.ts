import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './env';
import { createServer } from 'node:http';
import { createLogger, httpLogger, wantsPrettyLogs } from './logger';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sso-logs-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Writes one line and waits until it is on disk. */
async function logOnce(dir: string) {
  const logger = createLogger({ name: 'app1', level: 'info', dir });
  logger.info('hello');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

describe('LOG_DIR files', () => {
  it('a new log file is created with mode 0600 in a directory created with mode 0700', async () => {
    const dir = path.join(root, 'logs');
    await logOnce(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'app1.log'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dir, 'app1.log'), 'utf8')).toContain('"msg":"hello"');
  });

  it('an existing log file with looser permissions is tightened to 0600 and appended to', async () => {
    const file = path.join(root, 'app1.log');
    await writeFile(file, 'old line\n');
    await chmod(file, 0o644);
    await logOnce(root);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^old line\n.*"msg":"hello"/);
  });

  it('a symlink in place of the log file is refused and its target is untouched', async () => {
    const target = path.join(root, 'elsewhere');
    await writeFile(target, 'untouched');
    await chmod(target, 0o644);
    await symlink(target, path.join(root, 'app1.log'));
    expect(() => createLogger({ name: 'app1', level: 'info', dir: root })).toThrow(ConfigError);
    expect(() => createLogger({ name: 'app1', level: 'info', dir: root })).toThrow(/app1\.log .*symlink/);
    expect(await readFile(target, 'utf8')).toBe('untouched');
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });
});

/** A destination that keeps what it is given. */
function capture() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('readable logs at a terminal', () => {
  it('pretty formats a line for a person, and an access log line as method, path, status and request id', () => {
    const out = capture();
    const logger = createLogger({ name: 'app1', level: 'info', destination: out, pretty: true });
    logger.info({ port: 3001 }, 'app 1 listening');
    logger.info({ req: { id: 'r-1', method: 'GET', path: '/api/me' }, res: { status: 200 }, responseTime: 3 }, 'request completed');
    expect(out.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(app1\): app 1 listening\n {4}port: 3001\n$/);
    expect(out.lines[1]).toMatch(/INFO \(app1\): GET \/api\/me 200 3 ms \(request r-1\)\n$/);
    expect(out.lines.join('')).not.toContain('{"');
  });

  it('pretty still redacts passwords and tokens', () => {
    const out = capture();
    createLogger({ name: 'app1', level: 'info', destination: out, pretty: true }).info({ password: 'hunter22', token: 'eyJ.x.y' }, 'audit');
    expect(out.lines.join('')).toContain('[redacted]');
    expect(out.lines.join('')).not.toMatch(/hunter22|eyJ/);
  });

  it('without pretty the lines stay JSON', () => {
    const out = capture();
    createLogger({ name: 'app1', level: 'info', destination: out }).info('hello');
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ msg: 'hello', service: 'app1' });
  });

  it('LOG_DIR files stay JSON even when pretty is asked for', async () => {
    const logger = createLogger({ name: 'app1', level: 'info', dir: root, pretty: true });
    logger.info('hello');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    expect(JSON.parse(await readFile(path.join(root, 'app1.log'), 'utf8'))).toMatchObject({ msg: 'hello' });
  });

  it.each([
    ['a terminal', { isTTY: true }, {}, true],
    ['a pipe (the e2e suite ignores stdout, `| jq`)', { isTTY: false }, {}, false],
    ['no TTY flag at all', {}, {}, false],
    ['a terminal under CI=true', { isTTY: true }, { CI: 'true' }, false],
    ['a terminal under CI=1', { isTTY: true }, { CI: '1' }, false],
    ['a terminal with CI=false', { isTTY: true }, { CI: 'false' }, true],
    ['a terminal with LOG_DIR set', { isTTY: true }, { LOG_DIR: '/var/log/sso' }, false],
  ])('wantsPrettyLogs on %s is %s', (_name, stdout, env, expected) => {
    expect(wantsPrettyLogs(stdout, env)).toBe(expected);
  });
});

describe('access log', () => {
  /** Serves one request through httpLogger; reports the lines written and the answer's 'finish' listeners (node:http has one of its own). */
  async function serve(level: 'info' | 'warn' | 'silent', url: string, status = 200) {
    const out = capture();
    const middleware = httpLogger(createLogger({ name: 'app2', level, destination: out }));
    let finishListeners = 0;
    const server = createServer((req, res) => {
      middleware(req, res, () => {
        finishListeners = res.listenerCount('finish');
        res.statusCode = status;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await (await fetch(`http://127.0.0.1:${port}${url}`)).text();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return { lines: out.lines.map((l) => JSON.parse(l) as Record<string, unknown>), finishListeners };
  }

  it('writes one line per request at info, without the query, and none for /healthz', async () => {
    const me = await serve('info', '/api/me?x=secret');
    expect(me.lines).toHaveLength(1);
    expect(me.lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', path: '/api/me' }, res: { status: 200 } });
    expect((await serve('info', '/healthz')).lines).toEqual([]);
  });

  it('a token anywhere in the URL (path, encoded path, query) never reaches the line', async () => {
    const token = 'rst_Qk9wZ3JhbS1zZWNyZXQtdG9rZW4tMTIzNDU2Nzg5MGFi';
    const encoded = encodeURIComponent(token).replace(/_/g, '%5F');
    const { lines } = await serve('info', `/reset-password/${encoded}/x?token=${token}&t2=${token}`);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain('Qk9wZ3JhbS1zZWNyZXQtdG9rZW4tMTIzNDU2');
    expect(lines[0]).toMatchObject({ req: { path: '/reset-password/[redacted]/x' } });
  });

  it('at warn, writes the 5xx lines only', async () => {
    expect((await serve('warn', '/api/me')).lines).toEqual([]);
    expect((await serve('warn', '/api/me', 503)).lines).toMatchObject([{ level: 50, res: { status: 503 } }]);
  });

  it('when the level leaves every access line out, no request is watched for one', async () => {
    const silent = await serve('silent', '/api/me', 503);
    const info = await serve('info', '/api/me');
    expect(silent.lines).toEqual([]);
    expect(silent.finishListeners).toBe(info.finishListeners - 1);
  });
});
