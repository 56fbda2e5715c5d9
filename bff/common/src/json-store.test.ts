import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomTempPath, writeFileAtomic } from '@sso/session';
import { openJsonStore } from './json-store';

interface Data {
  version: 1;
  users: string[];
}
const isData = (d: unknown): d is Data => (d as Data | null)?.version === 1 && Array.isArray((d as Data).users);

let dir: string;
let victim: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-store-'));
  // Another user's file, outside DATA_DIR: the write must never land in it.
  victim = path.join(await mkdtemp(path.join(tmpdir(), 'sso-victim-')), 'their-file');
  await writeFile(victim, 'untouched');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(path.dirname(victim), { recursive: true, force: true });
});

describe('atomic JSON store', () => {
  it('a symlink planted at every predictable temp name is never followed: the target stays untouched', async () => {
    const file = path.join(dir, 'app1.json');
    // The names this store used before (`<file>.<pid>.tmp`) and the ones
    // common writers use (`<file>.tmp`, lowdb steno's `.<name>.tmp`).
    const predictable = [`${file}.${process.pid}.tmp`, `${file}.tmp`, path.join(dir, '.app1.json.tmp'), `${file}.${process.pid}`];
    for (const p of predictable) await symlink(victim, p);

    const db = await openJsonStore<Data>(file, { version: 1, users: [] }, isData);
    db.data.users.push('alice');
    await db.write();

    expect(await readFile(victim, 'utf8')).toBe('untouched');
    const written = await lstat(file);
    expect(written.isFile()).toBe(true);
    expect(written.mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, users: ['alice'] });
    for (const p of predictable) expect(await readlink(p)).toBe(victim);
    // Nothing else left behind: the store and the planted links only.
    expect((await readdir(dir)).sort()).toEqual(['app1.json', ...predictable.map((p) => path.basename(p))].sort());
  });

  it('a symlink in place of the store file itself is replaced, not written through', async () => {
    const file = path.join(dir, 'app2.json');
    const db = await openJsonStore<Data>(file, { version: 1, users: [] }, isData);
    await symlink(victim, file);
    db.data.users.push('bob');
    await db.write();
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect((await lstat(file)).isFile()).toBe(true);
  });
});

describe('writeFileAtomic', () => {
  it('refuses to open a temp path that already exists, even a symlink, and leaves it alone', async () => {
    const file = path.join(dir, 'app1.json');
    const planted = path.join(dir, 'guessed.tmp');
    await symlink(victim, planted);
    await expect(writeFileAtomic(file, '{"version":1}', { tempPath: () => planted })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect(await readlink(planted)).toBe(victim);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('temp names carry 128 random bits and are never reused', () => {
    const file = path.join(dir, 'app1.json');
    const names = Array.from({ length: 2000 }, () => randomTempPath(file));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(path.relative(dir, n)).toMatch(/^\.app1\.json\.[0-9a-f]{32}\.tmp$/);
  });

  it('creates the file with mode 0600 whatever the umask allows', async () => {
    const file = path.join(dir, 'keys.json');
    await writeFileAtomic(file, 'x');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
