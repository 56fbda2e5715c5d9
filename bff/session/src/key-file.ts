import { createHash } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeTempFile } from './atomic-write';
import { SessionError } from './errors';

/**
 * The identity app's key file: its format, its checks (shape, mode 0600) and
 * how it is written (exclusive create, atomic replace). What the keys mean
 * (which one signs, what is published) is keys.ts's business.
 */

/** File name of the identity app's key set inside its key directory. */
export const KEY_FILE_NAME = 'signing-keys.json';

export interface StoredKey {
  kid: string;
  createdAt: string;
  /** When a newer key replaced this one as current; null for the current key. */
  retiredAt: string | null;
  /** Signs from this time on, skipping the activation delay (a key made by an emergency withdrawal). */
  activeFrom?: string;
  privateKeyPem: string;
}

/** A key taken out of service at once (`npm run keys:withdraw`): its tokens are refused everywhere. */
export interface WithdrawnKey {
  kid: string;
  withdrawnAt: string;
}

export interface KeyFile {
  version: 1;
  keys: StoredKey[];
  withdrawn?: WithdrawnKey[];
}

/**
 * A key file's content with a hash of its bytes. Reloads compare the hash,
 * not the mtime: a rewrite within one mtime tick, or a backup copied back
 * with its old mtime, changes the content but maybe not the mtime.
 */
export interface KeyFileVersion {
  data: KeyFile;
  digest: string;
}

export function keyFilePath(dir: string): string {
  return path.join(dir, KEY_FILE_NAME);
}

function digestOf(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function serialize(data: KeyFile): string {
  return JSON.stringify(data, null, 2);
}

/** Reads and checks the key file; null if there is none. Throws KEY_FILE_INVALID on a readable-by-others or malformed file. */
export async function readKeyFile(file: string): Promise<KeyFileVersion | null> {
  let bytes: Buffer;
  let mode: number;
  try {
    // Mode and content come from one open file, so the checked file is the read one.
    const handle = await open(file, 'r');
    try {
      mode = (await handle.stat()).mode;
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SessionError('KEY_FILE_INVALID', `Cannot read the key file ${file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
  }
  // The private signing keys: anyone who can read them can mint tokens for every app.
  if (mode & 0o077) {
    throw new SessionError(
      'KEY_FILE_INVALID',
      `The key file ${file} is readable or writable by group/others (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}); it holds the private signing keys. ` +
        `Run chmod 600 ${file} (and consider rotating the keys if others could read it), then start again.`,
    );
  }
  try {
    return { data: parseKeyFile(bytes.toString('utf8')), digest: digestOf(bytes) };
  } catch (err) {
    throw new SessionError(
      'KEY_FILE_INVALID',
      `The key file ${file} is not a valid key set (${(err as Error).message}). ` +
        'Restore it from a backup, or move it away to generate new keys (every signed-in user is then signed out).',
      { cause: err },
    );
  }
}

function parseKeyFile(text: string): KeyFile {
  const parsed = JSON.parse(text) as KeyFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error('unexpected shape');
  for (const k of parsed.keys) {
    if (typeof k.kid !== 'string' || typeof k.privateKeyPem !== 'string' || typeof k.createdAt !== 'string') {
      throw new Error('a key entry is incomplete');
    }
  }
  return parsed;
}

/** Creates the key file only if none exists (link fails on EEXIST); null if another process won. */
export async function createKeyFileExclusive(file: string, data: KeyFile): Promise<KeyFileVersion | null> {
  const text = serialize(data);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = await writeTempFile(file, text);
  try {
    await link(tmp, file);
    return { data, digest: digestOf(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Replaced atomically (the product's one atomic writer), mode 0600. */
export async function writeKeyFile(file: string, data: KeyFile): Promise<KeyFileVersion> {
  const text = serialize(data);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, text, { mode: 0o600 });
  return { data, digest: digestOf(text) };
}
