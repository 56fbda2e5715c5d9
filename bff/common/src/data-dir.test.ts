import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareDataDir } from './data-dir';
import { ConfigError } from './env';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sso-datadir-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('DATA_DIR start-up check', () => {
  it('creates a missing DATA_DIR, and its missing parents, with mode 0700', async () => {
    const dir = path.join(root, 'a', 'data');
    await prepareDataDir(dir, 'Test app');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'a'))).mode & 0o777).toBe(0o700);
  });

  it.each([0o700, 0o750, 0o755])('accepts a DATA_DIR with mode %o', async (mode) => {
    await chmod(root, mode);
    await expect(prepareDataDir(root, 'Test app')).resolves.toBeUndefined();
  });

  it.each([
    [0o777, '0777'],
    [0o775, '0775'],
    [0o757, '0757'],
    [0o1777, '1777'],
  ])('refuses a DATA_DIR writable by group or others (mode %o) with the mode and the chmod fix', async (mode, shown) => {
    await chmod(root, mode);
    const refusal = prepareDataDir(root, 'Test app');
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(`Test app cannot start: DATA_DIR ${root} is writable by group/others (mode ${shown})`);
    await expect(refusal).rejects.toThrow(`run chmod 700 ${root}`.replace('run', 'Run'));
  });

  it('refuses a DATA_DIR that is a file', async () => {
    const file = path.join(root, 'data');
    await writeFile(file, '');
    await expect(prepareDataDir(file, 'Test app')).rejects.toThrow(/DATA_DIR .* is not a directory/);
  });

  it('refuses a DATA_DIR below a file, naming the way out', async () => {
    await writeFile(path.join(root, 'file'), '');
    await expect(prepareDataDir(path.join(root, 'file', 'data'), 'Test app')).rejects.toBeInstanceOf(ConfigError);
  });

  it('leaves an existing DATA_DIR as it is', async () => {
    const dir = path.join(root, 'kept');
    await mkdir(dir, { mode: 0o750 });
    await chmod(dir, 0o750);
    await prepareDataDir(dir, 'Test app');
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
  });
});
