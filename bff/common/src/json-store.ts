import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { writeFileAtomic } from '@sso/session';

/** STORE_REJECTED: the store cannot hold this input (text with NUL, say): the client's fault, a 400. The others: an outage, a 503. */
export type StoreErrorCode = 'STORE_CORRUPT' | 'STORE_UNREADABLE' | 'STORE_WRITE_FAILED' | 'STORE_REJECTED';

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

/**
 * lowdb adapter that never leaves a half-written file: each write goes to a
 * fresh, exclusively created temp file with a random name, is fsynced, then
 * renamed over the store (see writeFileAtomic). Writes are serialized and
 * coalesced: callers that arrive while a write is under way share the next
 * one, so a burst of N changes costs two disk writes, not N.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  private inFlight: Promise<void> | null = null;
  /** The last write's failure, cleared by the next successful write. */
  lastWriteError: StoreError | null = null;
  private queued: { data: T; promise: Promise<void> } | null = null;

  constructor(readonly file: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreError('STORE_UNREADABLE', `Cannot read the data file ${this.file}: ${(err as Error).message}. Check that the service may read it.`, { cause: err });
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StoreError(
        'STORE_CORRUPT',
        `The data file ${this.file} is not valid JSON (${(err as Error).message}). ` +
          'It was left untouched. Restore it from a backup, or move it aside to start with an empty store.',
        { cause: err },
      );
    }
  }

  write(data: T): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.writeNow(data).finally(() => {
        this.inFlight = null;
      });
      return this.inFlight;
    }
    if (this.queued) {
      this.queued.data = data;
      return this.queued.promise;
    }
    const queued: { data: T; promise: Promise<void> } = {
      data,
      promise: this.inFlight
        .catch(() => undefined)
        .then((): Promise<void> => {
          this.queued = null;
          return this.write(queued.data);
        }),
    };
    this.queued = queued;
    return queued.promise;
  }

  private async writeNow(data: T): Promise<void> {
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, JSON.stringify(data), { mode: 0o600 });
      this.lastWriteError = null;
    } catch (err) {
      this.lastWriteError = new StoreError('STORE_WRITE_FAILED', `Could not write ${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      throw this.lastWriteError;
    }
  }
}

/**
 * Opens a lowdb database on an atomic JSON file. A missing file starts from
 * `defaults`; a present file must pass `validate`, else start-up stops with a
 * message naming the file (and the file is left as it is).
 */
export async function openJsonStore<T>(file: string, defaults: T, validate: (data: unknown) => data is T): Promise<Low<T>> {
  const db = new Low<T>(new AtomicJsonFile<T>(file), defaults);
  await db.read();
  if (!validate(db.data)) {
    throw new StoreError('STORE_CORRUPT', `The data file ${file} does not have the expected structure. It was left untouched; restore it from a backup or move it aside.`);
  }
  return db;
}

/** Store readiness: healthy if the last write succeeded; otherwise one probe write decides. */
export async function probeStore(db: Low<unknown>): Promise<{ ok: boolean; error?: string }> {
  const adapter = db.adapter as AtomicJsonFile<unknown>;
  if (!adapter.lastWriteError) return { ok: true };
  try {
    await db.write();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
