import { constants, readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Low, type Adapter } from 'lowdb';
import { randomTempPath } from '@sso/session';

/** STORE_REJECTED: the store cannot hold this input (text with NUL, say): the client's fault, a 400. The others: an outage, a 503. */
export type StoreErrorCode = 'STORE_CORRUPT' | 'STORE_UNREADABLE' | 'STORE_WRITE_FAILED' | 'STORE_REJECTED' | 'STORE_LOCKED';

/** A storage failure. Corruption is raised at start-up; write failures become 503s. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/*
 * The embedded store (ADR 014): a lowdb snapshot plus an append-only journal.
 *
 *   DATA_DIR/app1.json              the snapshot, a lowdb JSON document:
 *                                   {"version":1,"journal":G,"users":[...],...}
 *   DATA_DIR/app1.json.journal-G    one JSON line per change since that snapshot:
 *                                   ["put","users","<key>",{...}] or ["del","sessions","<key>"]
 *
 * A change costs one appended line, not a rewrite of every record: the cost of
 * a write does not grow with the store. Changes that arrive together share one
 * write and one fdatasync (group commit), and a promise resolves only after
 * that fdatasync, so every acknowledged change survives kill -9.
 *
 * When the journal reaches half the snapshot, a compaction writes a new snapshot
 * in the background, streamed in small chunks so the event loop keeps
 * serving. It is a fuzzy checkpoint: changes go to journal G+1 from the moment
 * it starts, records may be captured before or after a later change, and
 * replaying G+1 (whole-record puts, idempotent) over the snapshot yields the
 * same state either way. The snapshot is renamed into place only once complete
 * and fsynced; journals older than it are then deleted.
 *
 * On start: the snapshot is read with lowdb, then every journal from its
 * generation on is replayed in order. A journal's last line without a newline
 * is an append that never completed (never acknowledged) and is ignored; the
 * store then writes to a new journal file, never after a torn line. Anything
 * else unreadable stops start-up with the file (and line) named, untouched.
 */

/** A journal line: the record kind, its key, and the whole record (or the removal). */
type Line = ['put', string, string, Record<string, unknown>] | ['del', string, string];

/** The key of each record kind, e.g. `{ users: (u) => u.id }`. */
export type KeyFunctions<C> = { [K in keyof C]: (record: C[K]) => string };

export interface JournaledStoreOptions<C extends Record<string, object>> {
  /** The snapshot's path; journals sit beside it. */
  file: string;
  collections: KeyFunctions<C>;
  /** Records failing this are dropped at start-up and at each compaction (long-dead sessions, expired revocations). */
  keep?: { [K in keyof C]?: (record: C[K], now: number) => boolean };
  /** Compact when the journal is larger than half the snapshot and at least this many bytes (default 8 MiB). */
  compactAfterBytes?: number;
  now?: () => number;
  /** Told the duration of each journal write (append + fdatasync), in seconds: the store-write metric. */
  onWrite?: (seconds: number) => void;
}

export interface JournaledStore<C extends Record<string, object>> {
  /** The records of each kind by key, in insertion order. Read freely; change only through put/remove. */
  readonly maps: { readonly [K in keyof C]: ReadonlyMap<string, C[K]> };
  /** Sets (or replaces) a record and queues its journal line; call commit() to make it durable. */
  put<K extends keyof C & string>(kind: K, record: C[K]): void;
  remove<K extends keyof C & string>(kind: K, key: string): void;
  /** Resolves when every change queued so far is on disk (fdatasync'd); one write serves every caller waiting. */
  commit(): Promise<void>;
  /** Resolves when the changes already being committed are on disk (nothing new is written). */
  settled(): Promise<void>;
  /** Writes a new snapshot and drops the journals it covers (also runs by itself as the journal grows). */
  compact(): Promise<void>;
  /** Readiness: healthy if the last write succeeded, otherwise one probe write decides. */
  probe(): Promise<{ ok: boolean; error?: string }>;
  /** Writes what is pending and waits for a compaction under way (the store stays usable). */
  flush(): Promise<void>;
  stats(): { generation: number; journalBytes: number; snapshotBytes: number; compactions: number; writes: number };
}

const NO_FOLLOW_APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
const DEFAULT_COMPACT_AFTER = 8 * 1024 * 1024;
/** Snapshot chunks of about this size are written between yields to the event loop. */
const CHUNK_BYTES = 256 * 1024;

function journalPath(file: string, generation: number): string {
  return `${file}.journal-${generation}`;
}

/** The journals beside `file`, by generation, ascending. */
async function listJournals(file: string): Promise<number[]> {
  const prefix = `${path.basename(file)}.journal-`;
  let names: string[];
  try {
    names = await readdir(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** Reads the snapshot through lowdb; errors name the file and leave it untouched. */
class SnapshotFile implements Adapter<Record<string, unknown>> {
  constructor(readonly file: string) {}
  async read(): Promise<Record<string, unknown> | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreError('STORE_UNREADABLE', `Cannot read the data file ${this.file}: ${(err as Error).message}. Check that the service may read it.`, { cause: err });
    }
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw corrupt(this.file, `is not valid JSON (${(err as Error).message})`, err);
    }
  }
  write(): Promise<void> {
    // Snapshots are streamed by compact(): one JSON.stringify of the whole store would stall the event loop.
    throw new Error('SnapshotFile is written by compaction only');
  }
}

/**
 * Reads a snapshot record by record. Compaction writes one record per line
 * (still one JSON document, which lowdb and JSON.parse read as well):
 *
 *   {"version":1,"journal":G,
 *   "users":[
 *   {...},
 *   {...}
 *   ],
 *   "sessions":[
 *   ]}
 *
 * so start-up parses it in 1 MiB chunks and never holds the whole text (at
 * 100k users a 170 MB string, and as much again in garbage). A file in any
 * other layout (written by an earlier version, or by hand) is read whole
 * through lowdb. Returns null when there is no snapshot.
 */
async function loadSnapshot(file: string, add: (kind: string, record: unknown) => void): Promise<{ version: unknown; journal: unknown; byLine: boolean } | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreError('STORE_UNREADABLE', `Cannot read the data file ${file}: ${(err as Error).message}. Check that the service may read it.`, { cause: err });
  }
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    const decoder = new StringDecoder('utf8');
    const first = await handle.read(buffer, 0, buffer.length, 0);
    const head = /^\{"version":(\d+),"journal":(\d+),\n/.exec(buffer.toString('latin1', 0, Math.min(first.bytesRead, 64)));
    if (!head) {
      const db = new Low<Record<string, unknown>>(new SnapshotFile(file), { version: 1 });
      await db.read();
      const data = db.data;
      for (const [kind, records] of Object.entries(data)) {
        if (kind === 'version' || kind === 'journal') continue;
        if (!Array.isArray(records)) throw corrupt(file, `does not have the expected structure ("${kind}" is not a list of records)`);
        for (const r of records) add(kind, r);
      }
      return { version: data.version, journal: data.journal, byLine: false };
    }
    let text = decoder.write(buffer.subarray(0, first.bytesRead));
    let position = first.bytesRead;
    let start = head[0].length;
    let lineNo = 1;
    let kind: string | null = null;
    let closed = false;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        text = text.slice(start) + decoder.write(buffer.subarray(0, bytesRead));
        start = 0;
        continue;
      }
      lineNo++;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (closed) throw corrupt(file, `has text after its end (line ${lineNo})`);
      if (kind !== null && line.charCodeAt(0) === 123 /* { */) {
        let record: unknown;
        try {
          record = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
        } catch (err) {
          throw corrupt(file, `has a record that is not valid JSON (line ${lineNo}: ${(err as Error).message})`, err);
        }
        add(kind, record);
      } else if (kind !== null && (line === '],' || line === ']}')) {
        kind = null;
        closed = line === ']}';
      } else if (kind === null && /^"[^"\\]+":\[$/.test(line)) {
        kind = line.slice(1, -3);
      } else {
        throw corrupt(file, `does not have the expected structure (line ${lineNo})`);
      }
    }
    if (!closed) throw corrupt(file, 'is cut short (no closing "]}")');
    return { version: Number(head[1]), journal: Number(head[2]), byLine: true };
  } finally {
    await handle.close();
  }
}

function corrupt(file: string, what: string, cause?: unknown): StoreError {
  return new StoreError(
    'STORE_CORRUPT',
    `The data file ${file} ${what}. It was left untouched. Restore it from a backup, or move it aside to start with an empty store.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * What is on disk, merged: the snapshot with its journals replayed, as one
 * document (tests and tools read the store this way). `keys` names each
 * kind's key (default: the record's `id`).
 */
export async function readJournaledStore(file: string, keys: Record<string, (record: never) => string> = {}): Promise<Record<string, unknown[]> & { version: number }> {
  const snapshot = (await new SnapshotFile(file).read()) ?? { version: 1 };
  const kinds = Object.keys(snapshot).filter((k) => Array.isArray(snapshot[k]));
  const maps = new Map<string, Map<string, unknown>>();
  const keyOf = (kind: string) => (keys[kind] as ((r: unknown) => string) | undefined) ?? ((r: unknown) => String((r as { id: unknown }).id));
  for (const kind of kinds) maps.set(kind, new Map((snapshot[kind] as unknown[]).map((r) => [keyOf(kind)(r), r])));
  for (const generation of (await listJournals(file)).filter((g) => g >= Number(snapshot.journal ?? 0))) {
    await replayJournal(journalPath(file, generation), (line) => {
      const map = maps.get(line[1]) ?? new Map<string, unknown>();
      maps.set(line[1], map);
      if (line[0] === 'put') map.set(line[2], line[3]);
      else map.delete(line[2]);
    });
  }
  const out: Record<string, unknown[]> & { version: number } = { version: Number(snapshot.version) } as never;
  for (const [kind, map] of maps) out[kind] = [...map.values()];
  return out;
}

/** Applies each complete line of a journal; returns whether its end was torn (an append that never completed). */
async function replayJournal(file: string, apply: (line: Line, lineNo: number) => void): Promise<{ torn: boolean; bytes: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { torn: false, bytes: 0 };
    throw new StoreError('STORE_UNREADABLE', `Cannot read the journal ${file}: ${(err as Error).message}. Check that the service may read it.`, { cause: err });
  }
  const end = text.lastIndexOf('\n') + 1;
  let start = 0;
  let lineNo = 0;
  while (start < end) {
    const next = text.indexOf('\n', start);
    lineNo++;
    const raw = text.slice(start, next);
    start = next + 1;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch (err) {
      throw corrupt(file, `has a line that is not valid JSON (line ${lineNo}: ${(err as Error).message})`, err);
    }
    if (!isLine(line)) throw corrupt(file, `has a line that is not a store change (line ${lineNo})`);
    apply(line, lineNo);
  }
  return { torn: end < text.length, bytes: Buffer.byteLength(text) };
}

function isLine(line: unknown): line is Line {
  if (!Array.isArray(line) || typeof line[1] !== 'string' || typeof line[2] !== 'string') return false;
  if (line[0] === 'put') return line.length === 4 && typeof line[3] === 'object' && line[3] !== null && !Array.isArray(line[3]);
  return line[0] === 'del' && line.length === 3;
}

/**
 * One process per store: `<file>.lock` holds the pid of the process using it.
 * A second process on the same DATA_DIR would append to the same journals
 * and each would miss the other's changes, so it refuses to start. A lock
 * whose process is gone (a crash, kill -9) is taken over. The same process
 * may open the store again (tests reopen it in place).
 */
async function lockStore(file: string): Promise<void> {
  await takeStoreLock(file);
}

/**
 * Takes `<file>.lock` as the store does (refusing with STORE_LOCKED while a
 * live process holds it) and returns its release: tools that must not run
 * beside the service, such as `npm run db:import`, hold it while they read.
 */
export async function takeStoreLock(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  const release = async () => {
    if ((await readFile(lock, 'utf8').catch(() => '')) === String(process.pid)) await unlink(lock).catch(() => undefined);
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      // A clean exit leaves no lock behind (a kill -9 does; the next start takes it over).
      process.once('exit', () => {
        try {
          if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
        } catch {
          /* already gone */
        }
      });
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError('STORE_UNREADABLE', `Cannot create ${lock}: ${(err as Error).message}. Check that the service may write DATA_DIR.`, { cause: err });
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    // The same process may open the store again (tests reopen it in place); the lock stays the holder's.
    if (pid === process.pid) return async () => undefined;
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new StoreError(
        'STORE_LOCKED',
        `${file} is in use by another process (pid ${pid}). Stop that process, give this one its own DATA_DIR, or run several instances on PostgreSQL (STORE=postgres). If no such process runs, delete ${lock}.`,
      );
    }
    // Its process is gone: take the lock over.
    await unlink(lock).catch(() => undefined);
  }
  throw new StoreError('STORE_LOCKED', `Could not take the lock ${lock}: another process keeps creating it.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens the store at `options.file`: a missing file starts empty; a present
 * one must hold an array for each record kind, else start-up stops with a
 * message naming the file, which is left as it is.
 */
export async function openJournaledStore<C extends Record<string, object>>(options: JournaledStoreOptions<C>): Promise<JournaledStore<C>> {
  const { file } = options;
  const now = options.now ?? Date.now;
  const compactAfter = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER;
  const kinds = Object.keys(options.collections) as (keyof C & string)[];
  const keyOf = options.collections as Record<string, (r: object) => string>;
  const keep = (options.keep ?? {}) as Record<string, ((r: object, now: number) => boolean) | undefined>;

  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await lockStore(file);
  const maps = {} as Record<string, Map<string, object>>;
  for (const kind of kinds) maps[kind] = new Map<string, object>();
  const startedAt = now();
  const snapshot = (await loadSnapshot(file, (kind, record) => {
    const map = maps[kind];
    if (!map) return; // a kind this store does not have (lowdb kept unknown keys too)
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw corrupt(file, `does not have the expected structure ("${kind}" is not a list of records)`);
    }
    map.set(keyOf[kind]!(record), record);
  })) ?? { version: 1, journal: 0, byLine: true };
  if (snapshot.version !== 1 || (snapshot.journal !== undefined && !Number.isSafeInteger(snapshot.journal))) {
    throw corrupt(file, 'does not have the expected structure (version 1)');
  }
  let snapshotGeneration = Number(snapshot.journal ?? 0);
  let snapshotBytes = await stat(file).then((s) => s.size, () => 0);

  const generations = (await listJournals(file)).filter((g) => g >= snapshotGeneration);
  let journalBytes = 0;
  for (const generation of generations) {
    const journal = journalPath(file, generation);
    const replayed = await replayJournal(journal, (line, lineNo) => {
      const map = maps[line[1]];
      if (!map) throw corrupt(journal, `names a record kind this store does not have ("${line[1]}", line ${lineNo})`);
      if (line[0] === 'put') map.set(line[2], line[3]);
      else map.delete(line[2]);
    });
    journalBytes += replayed.bytes;
  }
  for (const kind of kinds) {
    const rule = keep[kind];
    if (!rule) continue;
    for (const [key, record] of maps[kind]!) if (!rule(record, startedAt)) maps[kind]!.delete(key);
  }
  // Always a fresh journal file: never append after a line a crash may have torn.
  let generation = Math.max(snapshotGeneration, ...generations) + 1;

  let pending: string[] = [];
  let next: Promise<void> | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let lastWriteError: StoreError | null = null;
  /** The journal file this process has created (and fsynced the directory for). */
  let created = -1;
  let compacting: Promise<void> | null = null;
  let compactions = 0;
  let writes = 0;

  async function appendBatch(): Promise<void> {
    next = null;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const target = generation;
    let handle: FileHandle;
    try {
      handle = await open(journalPath(file, target), NO_FOLLOW_APPEND, 0o600);
    } catch (err) {
      // Nothing was written: the same lines go first in the next batch.
      pending = batch.concat(pending);
      throw fail(err);
    }
    try {
      const data = batch.join('');
      const started = performance.now();
      await handle.write(data);
      await handle.datasync();
      options.onWrite?.((performance.now() - started) / 1000);
      if (created !== target) {
        await syncDirectory();
        created = target;
      }
      journalBytes += Buffer.byteLength(data);
      writes++;
      lastWriteError = null;
    } catch (err) {
      // Part of the batch may be on disk, possibly a torn line: write it all
      // again into a new journal, never after that line.
      if (generation === target) generation++;
      pending = batch.concat(pending);
      throw fail(err);
    } finally {
      await handle.close().catch(() => undefined);
    }
    compactIfDue();
  }

  /**
   * A compaction once the journal reaches half the snapshot's size (and the
   * floor): each journal byte costs at most two snapshot bytes later, and a
   * start-up never replays more than half a snapshot's worth of journal.
   */
  function compactIfDue(): void {
    if (!compacting && journalBytes > Math.max(compactAfter, snapshotBytes / 2)) void compact().catch(() => undefined);
  }

  function fail(err: unknown): StoreError {
    lastWriteError = new StoreError('STORE_WRITE_FAILED', `Could not write ${journalPath(file, generation)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    return lastWriteError;
  }

  async function syncDirectory(): Promise<void> {
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  function commit(): Promise<void> {
    if (next) return next;
    const batch = inFlight.then(appendBatch);
    next = batch;
    inFlight = batch.catch(() => undefined);
    return batch;
  }

  /** Streams a new snapshot (fuzzy checkpoint, see above) and drops the journals it covers. */
  function compact(): Promise<void> {
    if (compacting) return compacting;
    compacting = (async () => {
      // From here on every change goes to the new journal; the snapshot
      // covers everything before it.
      await commit().catch(() => undefined);
      const covers = ++generation;
      const tmp = randomTempPath(file);
      const handle = await open(tmp, 'wx', 0o600);
      let bytes = 0;
      try {
        // One record per line: see loadSnapshot.
        let chunk = `{"version":1,"journal":${covers},\n`;
        const cutoff = now();
        for (const [i, kind] of kinds.entries()) {
          chunk += `${i ? '],\n' : ''}${JSON.stringify(kind)}:[\n`;
          let first = true;
          const rule = keep[kind];
          for (const record of maps[kind]!.values()) {
            if (rule && !rule(record, cutoff)) continue;
            chunk += (first ? '' : ',\n') + JSON.stringify(record);
            first = false;
            if (chunk.length >= CHUNK_BYTES) {
              bytes += (await handle.write(chunk)).bytesWritten;
              chunk = '';
            }
          }
          if (!first) chunk += '\n';
        }
        chunk += ']}\n';
        bytes += (await handle.write(chunk)).bytesWritten;
        await handle.sync();
      } catch (err) {
        await handle.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      await handle.close();
      await rename(tmp, file);
      await syncDirectory();
      snapshotGeneration = covers;
      snapshotBytes = bytes;
      // The new journal holds only what arrived since the snapshot started.
      journalBytes = await stat(journalPath(file, covers)).then((s) => s.size, () => 0);
      for (const old of await listJournals(file)) if (old < covers) await unlink(journalPath(file, old)).catch(() => undefined);
      compactions++;
    })().finally(() => {
      compacting = null;
    });
    return compacting;
  }

  // A long journal left by the last run is folded in soon, not at the next
  // start; so is a large snapshot in the whole-document layout (read slowly).
  setImmediate(() => (!snapshot.byLine && snapshotBytes > compactAfter ? void compact().catch(() => undefined) : compactIfDue()));

  const store: JournaledStore<C> = {
    maps: maps as never,
    put(kind, record) {
      const key = keyOf[kind]!(record);
      maps[kind]!.set(key, record);
      pending.push(`${JSON.stringify(['put', kind, key, record])}\n`);
    },
    remove(kind, key) {
      if (!maps[kind]!.delete(key)) return;
      pending.push(`${JSON.stringify(['del', kind, key])}\n`);
    },
    commit,
    settled: () => inFlight,
    compact,
    async probe() {
      if (!lastWriteError) return { ok: true };
      try {
        await commit();
        // Nothing pending: one real write decides (a line any replay accepts and ignores).
        if (lastWriteError) {
          pending.push(`${JSON.stringify(['del', kinds[0]!, '\u0000probe'])}\n`);
          await commit();
        }
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
    async flush() {
      await commit();
      await compacting?.catch(() => undefined);
      await commit();
    },
    stats: () => ({ generation, journalBytes, snapshotBytes, compactions, writes }),
  };
  return store;
}
