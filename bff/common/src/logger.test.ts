import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './env';
import { createLogger } from './logger';

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
