import { appendFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomTempPath, writeFileAtomic } from '@sso/session';
import { openJournaledStore, readJournaledStore, StoreError, type JournaledStoreOptions } from './json-store';

type Item = { id: string; n: number; at?: number };
type Records = { items: Item; others: Item };

let dir: string;
let file: string;
let victim: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-store-'));
  file = path.join(dir, 'app1.json');
  // Another user's file, outside DATA_DIR: the write must never land in it.
  victim = path.join(await mkdtemp(path.join(tmpdir(), 'sso-victim-')), 'their-file');
  await writeFile(victim, 'untouched');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(path.dirname(victim), { recursive: true, force: true });
});

const open = (extra: Partial<JournaledStoreOptions<Records>> = {}) =>
  openJournaledStore<Records>({ file, collections: { items: (r) => r.id, others: (r) => r.id }, ...extra });
const journals = async () => (await readdir(dir)).filter((n) => n.includes('.journal-')).sort();
const itemsOf = async (f = file) => ((await readJournaledStore(f)).items ?? []) as Item[];

describe('journaled store: a write costs one line', () => {
  it('puts and removes survive a reopen; a change appends a line and leaves the snapshot alone', async () => {
    await writeFile(file, JSON.stringify({ version: 1, items: Array.from({ length: 5000 }, (_, i) => ({ id: `i${i}`, n: i })), others: [] }));
    const before = await stat(file);
    const store = await open();
    expect(store.maps.items.size).toBe(5000);
    store.put('items', { id: 'i1', n: -1 });
    store.remove('items', 'i2');
    store.put('others', { id: 'o1', n: 1 });
    await store.commit();
    // The 5000-record snapshot was not rewritten: the change is a few lines in the journal.
    const after = await stat(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    const [journal] = await journals();
    const lines = (await readFile(path.join(dir, journal!), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      ['put', 'items', 'i1', { id: 'i1', n: -1 }],
      ['del', 'items', 'i2'],
      ['put', 'others', 'o1', { id: 'o1', n: 1 }],
    ]);
    expect((await stat(path.join(dir, journal!))).mode & 0o777).toBe(0o600);

    const again = await open();
    expect(again.maps.items.get('i1')).toEqual({ id: 'i1', n: -1 });
    expect(again.maps.items.has('i2')).toBe(false);
    expect(again.maps.items.size).toBe(4999);
    expect([...again.maps.others.values()]).toEqual([{ id: 'o1', n: 1 }]);
  });

  it('changes that arrive together share one write (group commit), and each caller resolves after it', async () => {
    const store = await open();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        store.put('items', { id: `c${i}`, n: i });
        return store.commit();
      }),
    );
    expect(store.stats().writes).toBeLessThanOrEqual(2);
    expect(await itemsOf()).toHaveLength(200);
  });

  it('a record kind missing from an older file starts empty; a file without a version, or a kind that is not a list, stops start-up untouched', async () => {
    await writeFile(file, JSON.stringify({ version: 1, items: [] }));
    expect((await open()).maps.others.size).toBe(0);
    for (const bad of ['{"items":[]}', '{"version":1,"items":{}}', '{"version":1,"items":[1]}']) {
      await writeFile(file, bad);
      await expect(open()).rejects.toThrow(/app1\.json does not have the expected structure.*left untouched/);
      expect(await readFile(file, 'utf8')).toBe(bad);
    }
  });
});

describe('journaled store: crashes and corruption', () => {
  it('a torn last line (an append a crash cut short, never acknowledged) is ignored, and the next write goes to a new journal', async () => {
    const store = await open();
    store.put('items', { id: 'a', n: 1 });
    await store.commit();
    const [first] = await journals();
    await appendFile(path.join(dir, first!), '["put","items","b",{"id":"b","n"');
    const again = await open();
    expect([...again.maps.items.keys()]).toEqual(['a']);
    again.put('items', { id: 'c', n: 3 });
    await again.commit();
    expect(await journals()).toHaveLength(2);
    // The torn line stays where it was; the new line is not glued to it.
    expect(await readFile(path.join(dir, first!), 'utf8')).toMatch(/"n"$/);
    expect([...(await open()).maps.items.keys()]).toEqual(['a', 'c']);
  });

  it('a damaged line inside a journal stops start-up, naming the file and the line, and leaves it untouched', async () => {
    const store = await open();
    store.put('items', { id: 'a', n: 1 });
    await store.commit();
    const journal = path.join(dir, (await journals())[0]!);
    const damaged = `${await readFile(journal, 'utf8')}{"not":"a change"}\n["put","items","b",{"id":"b","n":2}]\n`;
    await writeFile(journal, damaged);
    await expect(open()).rejects.toThrow(/app1\.json\.journal-1 has a line that is not a store change \(line 2\).*left untouched/);
    await writeFile(journal, '["put","items","a",{"id":"a"}]\n["put",\n');
    await expect(open()).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringMatching(/not valid JSON \(line 2/) });
    await writeFile(journal, '["put","nope","a",{"id":"a"}]\n');
    await expect(open()).rejects.toThrow(/record kind this store does not have \("nope", line 1\)/);
    expect(await readFile(journal, 'utf8')).toBe('["put","nope","a",{"id":"a"}]\n');
  });

  it('a corrupt snapshot stops start-up with the file name and the fix, untouched', async () => {
    await writeFile(file, '{"version":1,"items":[{"id":');
    await expect(open()).rejects.toThrow(/app1\.json is not valid JSON.*left untouched.*Restore it from a backup/s);
    await expect(open()).rejects.toBeInstanceOf(StoreError);
    expect(await readFile(file, 'utf8')).toBe('{"version":1,"items":[{"id":');
  });

  it('journals older than the snapshot are ignored (a compaction that crashed after its rename), newer ones replayed in order', async () => {
    await writeFile(file, JSON.stringify({ version: 1, journal: 3, items: [{ id: 'a', n: 1 }], others: [] }));
    await writeFile(`${file}.journal-2`, '["put","items","a",{"id":"a","n":"old"}]\n["put","items","z",{"id":"z","n":0}]\n');
    await writeFile(`${file}.journal-3`, '["put","items","a",{"id":"a","n":2}]\n');
    await writeFile(`${file}.journal-10`, '["put","items","a",{"id":"a","n":3}]\n["put","items","b",{"id":"b","n":1}]\n');
    const store = await open();
    expect([...store.maps.items.values()]).toEqual([{ id: 'a', n: 3 }, { id: 'b', n: 1 }]);
    expect(await itemsOf()).toEqual([{ id: 'a', n: 3 }, { id: 'b', n: 1 }]);
  });

  it('a failing write is a STORE_WRITE_FAILED, the probe says so, and the change is written once the disk is back', async () => {
    const store = await open();
    // Root ignores permissions: block the journal's own path with a directory.
    const journal = `${file}.journal-1`;
    await mkdir(journal);
    store.put('items', { id: 'lost?', n: 1 });
    await expect(store.commit()).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_WRITE_FAILED' });
    expect(await store.probe()).toMatchObject({ ok: false });
    await rmdir(journal);
    expect(await store.probe()).toEqual({ ok: true });
    expect((await open()).maps.items.get('lost?')).toEqual({ id: 'lost?', n: 1 });
  });
});

describe('journaled store: compaction', () => {
  it('runs by itself once the journal outgrows the snapshot, drops the journals it covers, and loses nothing written meanwhile', async () => {
    const store = await open({ compactAfterBytes: 20_000 });
    const expected = new Map<string, Item>();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) {
      const item = { id: `k${i % 700}`, n: i };
      expected.set(item.id, item);
      store.put('items', item);
      if (i % 300 === 299) {
        store.remove('items', `k${i % 7}`);
        expected.delete(`k${i % 7}`);
      }
      writes.push(store.commit());
      if (i % 50 === 0) await writes.at(-1);
    }
    await Promise.all(writes);
    await store.flush();
    expect(store.stats().compactions).toBeGreaterThan(0);
    const snapshot = JSON.parse(await readFile(file, 'utf8')) as { journal: number };
    // Only journals the snapshot does not cover are left.
    for (const j of await journals()) expect(Number(j.split('-').at(-1))).toBeGreaterThanOrEqual(snapshot.journal);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const reopened = await open();
    expect(new Map(reopened.maps.items)).toEqual(expected);
  });

  it('a compaction racing a stream of changes (fuzzy checkpoint) still reopens to exactly the memory state', async () => {
    const store = await open();
    for (let i = 0; i < 2000; i++) store.put('items', { id: `r${i}`, n: 0 });
    await store.commit();
    let stop = false;
    let round = 0;
    const writer = (async () => {
      while (!stop) {
        round++;
        for (let i = 0; i < 50; i++) store.put('items', { id: `r${(round * 37 + i * 13) % 2000}`, n: round });
        store.remove('items', `r${round % 2000}`);
        await store.commit();
      }
    })();
    await store.compact();
    await store.compact();
    stop = true;
    await writer;
    const reopened = await open();
    expect(new Map(reopened.maps.items)).toEqual(new Map(store.maps.items));
    expect(round).toBeGreaterThan(1);
  });

  it('the snapshot holds one record per line, is read back in chunks (multi-byte text across chunk edges included), and is still one JSON document', async () => {
    type Named = Item & { name: string };
    const store = await openJournaledStore<{ items: Named; others: Named }>({ file, collections: { items: (r) => r.id, others: (r) => r.id } });
    // About 3 MB: several 1 MiB read chunks, with names of 2-, 3- and 4-byte characters.
    for (let i = 0; i < 30_000; i++) store.put('items', { id: `u${i}`, n: i, name: `Zoë ${'日本'.repeat(i % 20)} 🎉 ${i}` });
    await store.commit();
    await store.compact();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').slice(0, 3)).toEqual(['{"version":1,"journal":2,', '"items":[', JSON.stringify({ id: 'u0', n: 0, name: 'Zoë  🎉 0' }) + ',']);
    expect(text.endsWith('],\n"others":[\n]}\n')).toBe(true);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 1024 * 1024);
    expect((JSON.parse(text) as { items: Named[] }).items).toHaveLength(30_000);
    const reopened = await openJournaledStore<{ items: Named; others: Named }>({ file, collections: { items: (r) => r.id, others: (r) => r.id } });
    expect(new Map(reopened.maps.items)).toEqual(new Map(store.maps.items));

    // A damaged record line, or a snapshot cut short, stops start-up naming the file, untouched.
    const lines = text.split('\n');
    lines[5000] = '{"id":"u4998",';
    await writeFile(file, lines.join('\n'));
    await expect(open()).rejects.toThrow(/app1\.json has a record that is not valid JSON \(line 5001.*left untouched/s);
    const cut = text.slice(0, Math.floor(text.length * 0.7));
    await writeFile(file, cut);
    await expect(open()).rejects.toThrow(/app1\.json is cut short/);
    expect(await readFile(file, 'utf8')).toBe(cut);
  });

  it('a large snapshot in the whole-document layout (an older version, or written by hand) is rewritten one record per line soon after start', async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, n: i }));
    await writeFile(file, JSON.stringify({ version: 1, items, others: [] }));
    const store = await open({ compactAfterBytes: 1000 });
    expect(store.maps.items.size).toBe(300);
    await new Promise((r) => setImmediate(r));
    await store.flush();
    expect(store.stats().compactions).toBe(1);
    expect((await readFile(file, 'utf8')).startsWith('{"version":1,"journal":2,\n"items":[\n{"id":"d0","n":0},\n')).toBe(true);
    expect(new Map((await open()).maps.items)).toEqual(new Map(items.map((r) => [r.id, r])));
  });

  it('the keep rule drops dead records at start-up and at compaction', async () => {
    const keep = { items: (r: Item, now: number) => (r.at ?? Infinity) > now };
    const store = await open({ keep, now: () => 1000 });
    store.put('items', { id: 'live', n: 1, at: 5000 });
    store.put('items', { id: 'dead', n: 1, at: 500 });
    await store.commit();
    const later = await open({ keep, now: () => 1000 });
    expect([...later.maps.items.keys()]).toEqual(['live']);
    const store2 = await open({ now: () => 1000 });
    expect(store2.maps.items.size).toBe(2);
    await (await open({ keep, now: () => 1000 })).compact();
    expect(((JSON.parse(await readFile(file, 'utf8')) as { items: Item[] }).items).map((r) => r.id)).toEqual(['live']);
  });
});

describe('journaled store: one process per store', () => {
  it('a second process on the same file is refused with the pid and the ways out; a lock left by a dead process is taken over', async () => {
    const lock = `${file}.lock`;
    // pid 1 (init) is alive and is not us.
    await writeFile(lock, '1');
    await expect(open()).rejects.toMatchObject({
      code: 'STORE_LOCKED',
      message: expect.stringMatching(/app1\.json is in use by another process \(pid 1\)\. Stop that process, give this one its own DATA_DIR, or run several instances on PostgreSQL \(STORE=postgres\)/),
    });
    expect(await journals()).toEqual([]);
    // A pid no process has (beyond pid_max): the lock is stale.
    await writeFile(lock, '99999999');
    const store = await open();
    expect(await readFile(lock, 'utf8')).toBe(String(process.pid));
    store.put('items', { id: 'a', n: 1 });
    await store.commit();
    // The same process may reopen it.
    expect((await open()).maps.items.size).toBe(1);
  });
});

describe('journaled store: planted links', () => {
  it('a symlink planted at every predictable temp name is never followed by compaction: the target stays untouched', async () => {
    // The names this store used before (`<file>.<pid>.tmp`) and the ones
    // common writers use (`<file>.tmp`, lowdb steno's `.<name>.tmp`).
    const predictable = [`${file}.${process.pid}.tmp`, `${file}.tmp`, path.join(dir, '.app1.json.tmp'), `${file}.${process.pid}`];
    for (const p of predictable) await symlink(victim, p);
    const store = await open();
    store.put('items', { id: 'alice', n: 1 });
    await store.commit();
    await store.compact();

    expect(await readFile(victim, 'utf8')).toBe('untouched');
    const written = await lstat(file);
    expect(written.isFile()).toBe(true);
    expect(written.mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, journal: 2, items: [{ id: 'alice', n: 1 }], others: [] });
    expect((await open()).maps.items.get('alice')).toEqual({ id: 'alice', n: 1 });
    for (const p of predictable) expect(await readlink(p)).toBe(victim);
    // Nothing else left behind: the snapshot and the planted links only.
    expect((await readdir(dir)).sort()).toEqual(['app1.json', 'app1.json.lock', ...predictable.map((p) => path.basename(p))].sort());
  });

  it('a symlink at the journal path is refused, not appended through; a symlink in place of the snapshot is replaced', async () => {
    const store = await open();
    await symlink(victim, `${file}.journal-1`);
    store.put('items', { id: 'bob', n: 1 });
    await expect(store.commit()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect(await readFile(victim, 'utf8')).toBe('untouched');

    await rm(`${file}.journal-1`);
    await symlink(victim, file);
    await store.compact();
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect((await lstat(file)).isFile()).toBe(true);
    expect((JSON.parse(await readFile(file, 'utf8')) as { items: Item[] }).items).toEqual([{ id: 'bob', n: 1 }]);
  });
});

describe('writeFileAtomic', () => {
  it('refuses to open a temp path that already exists, even a symlink, and leaves it alone', async () => {
    const planted = path.join(dir, 'guessed.tmp');
    await symlink(victim, planted);
    await expect(writeFileAtomic(file, '{"version":1}', { tempPath: () => planted })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect(await readlink(planted)).toBe(victim);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('temp names carry 128 random bits and are never reused', () => {
    const names = Array.from({ length: 2000 }, () => randomTempPath(file));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(path.relative(dir, n)).toMatch(/^\.app1\.json\.[0-9a-f]{32}\.tmp$/);
  });

  it('creates the file with mode 0600 whatever the umask allows', async () => {
    const keys = path.join(dir, 'keys.json');
    await writeFileAtomic(keys, 'x');
    expect((await stat(keys)).mode & 0o777).toBe(0o600);
  });
});
