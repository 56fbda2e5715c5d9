import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, type JWK, type JSONWebKeySet } from 'jose';
import { SessionError } from './errors';
import type { KeyResolver, SigningKey } from './token';

/**
 * How long a rotated-in key is published before it signs: above the 30 s
 * unknown-`kid` cooldown of relying apps, so they always fetch it in time.
 */
export const KEY_ACTIVATION_DELAY_SECONDS = 60;

/** File name of the identity app's key set inside its key directory. */
export const KEY_FILE_NAME = 'signing-keys.json';

interface StoredKey {
  kid: string;
  createdAt: string;
  /** When a newer key replaced this one as current; null for the current key. */
  retiredAt: string | null;
  privateKeyPem: string;
}

interface KeyFile {
  version: 1;
  keys: StoredKey[];
}

interface LoadedKey extends SigningKey {
  publicKey: KeyObject;
  publicJwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
}

/** The identity app's signing keys: one current key and older, still-verifiable ones. */
export interface KeySet {
  /** The key new tokens are signed with. */
  current(): SigningKey;
  /** Public keys of every key whose tokens may still be alive; never a private part. */
  jwks(): JSONWebKeySet;
  /** Resolves a token header's `kid` to one of our own public keys. */
  getKey: KeyResolver;
  /** Key ids, newest first. */
  kids(): string[];
  /**
   * Re-reads the key file if it changed (after `keys:rotate`), so a running
   * identity app signs with the new key without a restart. True if reloaded.
   */
  reload(): Promise<boolean>;
}

export interface KeySetOptions {
  /** Directory holding the key file (created with mode 0700 if missing). */
  dir: string;
  /**
   * How long a retired key stays published: the longest a token signed with
   * it can live (token lifetime plus clock tolerance).
   */
  retainSeconds: number;
  /**
   * A new key is published in the JWKS this long before it signs anything, so
   * relying apps can fetch it first (keep it above their unknown-`kid`
   * refetch cooldown, 30 s by default). The very first key signs at once.
   * Default 0.
   */
  activationDelaySeconds?: number;
  now?: () => number;
}

/**
 * Loads the key set, generating a first Ed25519 key when there is none.
 * Keys retired longer ago than `retainSeconds` are dropped from the file.
 * A present but unreadable file stops start-up; it is never overwritten.
 */
export async function loadOrCreateKeySet(options: KeySetOptions): Promise<KeySet> {
  const now = options.now ?? Date.now;
  const file = path.join(options.dir, KEY_FILE_NAME);
  let stored = await readKeyFile(file);
  if (!stored) {
    // Several instances sharing DATA_DIR may start at once: the first to
    // create the file wins and every other one uses its key.
    stored = (await createKeyFileExclusive(options.dir, file, { version: 1, keys: [await newStoredKey(now())] })) ?? (await readKeyFile(file))!;
  }
  if (stored.keys.length === 0) {
    stored = { version: 1, keys: [await newStoredKey(now())] };
    await writeKeyFile(options.dir, file, stored);
  } else {
    const kept = pruneRetired(stored, retention(options), now());
    if (kept.keys.length !== stored.keys.length) {
      stored = kept;
      await writeKeyFile(options.dir, file, stored);
    }
  }
  let state = buildKeySet(await Promise.all(stored.keys.map(loadKey)), now, options.activationDelaySeconds ?? 0);
  let mtime = await mtimeOf(file);
  return {
    current: () => state.current(),
    jwks: () => state.jwks(),
    getKey: (header, token) => state.getKey(header, token),
    kids: () => state.kids(),
    async reload() {
      const changedAt = await mtimeOf(file);
      if (changedAt === mtime) return false;
      const fresh = await readKeyFile(file);
      if (!fresh || fresh.keys.length === 0) return false;
      const kept = pruneRetired(fresh, retention(options), (options.now ?? Date.now)());
      state = buildKeySet(await Promise.all(kept.keys.map(loadKey)), now, options.activationDelaySeconds ?? 0);
      mtime = changedAt;
      return true;
    },
  };
}

async function mtimeOf(file: string): Promise<number> {
  return (await stat(file)).mtimeMs;
}

/**
 * Adds a new current key and retires the previous one, which stays in the
 * JWKS for `retainSeconds` so tokens it signed keep verifying.
 */
export async function rotateKeySet(options: KeySetOptions): Promise<{ kid: string; retired: string[] }> {
  const now = options.now ?? Date.now;
  const file = path.join(options.dir, KEY_FILE_NAME);
  const stored = pruneRetired((await readKeyFile(file)) ?? { version: 1, keys: [] }, retention(options), now());
  const at = new Date(now()).toISOString();
  const retired: string[] = [];
  for (const key of stored.keys) {
    if (key.retiredAt === null) {
      key.retiredAt = at;
      retired.push(key.kid);
    }
  }
  const fresh = await newStoredKey(now());
  stored.keys.unshift(fresh);
  await writeKeyFile(options.dir, file, stored);
  return { kid: fresh.kid, retired };
}

async function newStoredKey(nowMs: number): Promise<StoredKey> {
  const privateKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid: await kidOfPem(privateKeyPem), createdAt: new Date(nowMs).toISOString(), retiredAt: null, privateKeyPem };
}

/** The key id is the RFC 7638 thumbprint of the public key: stable and collision-free. */
async function kidOfPem(pem: string): Promise<string> {
  const jwk = await exportJWK(createPublicKey(createPrivateKey(pem)));
  return calculateJwkThumbprint(jwk);
}

function pruneRetired(file: KeyFile, retainSeconds: number, nowMs: number): KeyFile {
  return {
    version: 1,
    keys: file.keys.filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + retainSeconds * 1000 > nowMs),
  };
}

async function loadKey(stored: StoredKey): Promise<LoadedKey> {
  const privateKey = createPrivateKey(stored.privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SessionError('KEY_FILE_INVALID', `Key ${stored.kid} is not an Ed25519 key.`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicJwk = await exportJWK(publicKey);
  return {
    kid: stored.kid,
    privateKey,
    publicKey,
    publicJwk: { ...publicJwk, kid: stored.kid, alg: 'EdDSA', use: 'sig' },
    createdAt: new Date(stored.createdAt),
    retiredAt: stored.retiredAt ? new Date(stored.retiredAt) : null,
  };
}

/** A retired key keeps signing until its successor activates, then its tokens must expire. */
function retention(options: KeySetOptions): number {
  return options.retainSeconds + (options.activationDelaySeconds ?? 0);
}

function buildKeySet(keys: LoadedKey[], now: () => number, activationDelaySeconds: number): Omit<KeySet, 'reload'> {
  if (keys.length === 0) throw new SessionError('KEY_FILE_INVALID', 'The key file holds no keys.');
  // Newest first; the newest key already published for the activation delay signs.
  const byAge = [...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const current = () => byAge.find((k) => k.createdAt.getTime() + activationDelaySeconds * 1000 <= now()) ?? byAge[byAge.length - 1]!;
  const jwks: JSONWebKeySet = { keys: keys.map((k) => k.publicJwk) };
  const local = createLocalJWKSet(jwks);
  return {
    current,
    jwks: () => jwks,
    getKey: (header, token) => local(header, token),
    kids: () => keys.map((k) => k.kid),
  };
}

async function readKeyFile(file: string): Promise<KeyFile | null> {
  let text: string;
  let mode: number;
  try {
    // Mode and content come from one open file, so the checked file is the read one.
    const handle = await open(file, 'r');
    try {
      mode = (await handle.stat()).mode;
      text = await handle.readFile('utf8');
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
    const parsed = JSON.parse(text) as KeyFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error('unexpected shape');
    for (const k of parsed.keys) {
      if (typeof k.kid !== 'string' || typeof k.privateKeyPem !== 'string' || typeof k.createdAt !== 'string') {
        throw new Error('a key entry is incomplete');
      }
    }
    return parsed;
  } catch (err) {
    throw new SessionError(
      'KEY_FILE_INVALID',
      `The key file ${file} is not a valid key set (${(err as Error).message}). ` +
        'Restore it from a backup, or move it away to generate new keys (every signed-in user is then signed out).',
      { cause: err },
    );
  }
}

/** Creates the key file only if none exists (link fails on EEXIST); null if another process won. */
async function createKeyFileExclusive(dir: string, file: string, data: KeyFile): Promise<KeyFile | null> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(16).toString('hex')}.new`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(data, null, 2));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return data;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Written to a temp file with mode 0600, fsynced, then renamed over the old file. */
async function writeKeyFile(dir: string, file: string, data: KeyFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Random name and `wx` (O_EXCL): a symlink planted at the temp path is never followed.
  const tmp = `${file}.${randomBytes(16).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(data, null, 2));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
