import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, type JWK, type JSONWebKeySet } from 'jose';
import { SessionError } from './errors';
import { createKeyFileExclusive, keyFilePath, readKeyFile, writeKeyFile, type KeyFile, type StoredKey } from './key-file';
import type { KeyResolver, SigningKey } from './token';

// The key set: which key signs, what is published, rotation and withdrawal.
// The file it lives in (format, checks, safe writes) is key-file.ts.

/**
 * How long a rotated-in key is published before it signs: above the 30 s
 * unknown-`kid` cooldown of relying apps, so they always fetch it in time.
 */
export const KEY_ACTIVATION_DELAY_SECONDS = 60;

interface LoadedKey extends SigningKey {
  publicKey: KeyObject;
  publicJwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
  activeFrom: Date | null;
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
   * Keys withdrawn in an emergency whose tokens may still be alive, with the
   * time (ms) until which relying apps must refuse them. Published in the
   * revocation feed.
   */
  withdrawn(): { kid: string; expiresAt: number }[];
  /** True for a withdrawn key's id: its tokens are refused, cached or not. */
  isWithdrawn(kid: string): boolean;
  /**
   * Re-reads the key file if its content changed (after `keys:rotate`), so a
   * running identity app signs with the new key without a restart. True if
   * reloaded.
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
  const file = keyFilePath(options.dir);
  let version = await readKeyFile(file);
  if (!version) {
    // Several instances sharing DATA_DIR may start at once: the first to
    // create the file wins and every other one uses its key.
    version = (await createKeyFileExclusive(file, { version: 1, keys: [await newStoredKey(now())] })) ?? (await readKeyFile(file))!;
  }
  if (version.data.keys.length === 0) {
    version = await writeKeyFile(file, { version: 1, keys: [await newStoredKey(now())] });
  } else {
    const kept = pruneRetired(version.data, retention(options), now());
    if (kept.keys.length !== version.data.keys.length) version = await writeKeyFile(file, kept);
  }
  let state = buildKeySet(await Promise.all(version.data.keys.map(loadKey)), now, options.activationDelaySeconds ?? 0);
  let withdrawn = withdrawnUntil(version.data, retention(options));
  let digest = version.digest;
  return {
    current: () => state.current(),
    jwks: () => state.jwks(),
    getKey: (header, token) => state.getKey(header, token),
    kids: () => state.kids(),
    withdrawn: () => [...withdrawn].filter(([, until]) => until > now()).map(([kid, expiresAt]) => ({ kid, expiresAt })),
    isWithdrawn: (kid) => (withdrawn.get(kid) ?? -Infinity) > now(),
    async reload() {
      // The file is small: reading it whole is the only sure sign of a change.
      const fresh = await readKeyFile(file);
      if (!fresh || fresh.digest === digest || fresh.data.keys.length === 0) return false;
      const kept = pruneRetired(fresh.data, retention(options), now());
      state = buildKeySet(await Promise.all(kept.keys.map(loadKey)), now, options.activationDelaySeconds ?? 0);
      withdrawn = withdrawnUntil(kept, retention(options));
      digest = fresh.digest;
      return true;
    },
  };
}

/** Withdrawn kid -> until when (ms) its tokens may live. */
function withdrawnUntil(file: KeyFile, retainSeconds: number): Map<string, number> {
  return new Map((file.withdrawn ?? []).map((w) => [w.kid, Date.parse(w.withdrawnAt) + retainSeconds * 1000]));
}

/**
 * Emergency withdrawal: removes key `kid` from the set at once (it leaves the
 * JWKS) and lists it as withdrawn until every token it signed has expired,
 * so relying apps refuse its tokens, cached ones included, within one poll
 * of the revocation feed. If it was the signing key, a fresh key signs from
 * now on, without the activation delay (relying apps refetch the JWKS when
 * they learn of the withdrawal).
 */
export async function withdrawKey(options: KeySetOptions & { kid: string }): Promise<{ withdrawn: string; replacement: string | null }> {
  const now = options.now ?? Date.now;
  const file = keyFilePath(options.dir);
  const stored = (await readKeyFile(file))?.data;
  if (!stored) throw new SessionError('KEY_FILE_INVALID', `There is no key file ${file}: nothing to withdraw.`);
  const target = stored.keys.find((k) => k.kid === options.kid);
  if (!target) {
    if (stored.withdrawn?.some((w) => w.kid === options.kid)) return { withdrawn: options.kid, replacement: null };
    throw new SessionError('CONFIG_INVALID', `No signing key ${options.kid} in ${file}. Its keys: ${stored.keys.map((k) => k.kid).join(', ')}.`);
  }
  const loaded = await Promise.all(stored.keys.map(loadKey));
  const wasSigning = buildKeySet(loaded, now, options.activationDelaySeconds ?? 0).current().kid === options.kid;
  const at = new Date(now()).toISOString();
  const next: KeyFile = {
    version: 1,
    keys: stored.keys.filter((k) => k.kid !== options.kid),
    withdrawn: [...(stored.withdrawn ?? []).filter((w) => Date.parse(w.withdrawnAt) + retention(options) * 1000 > now()), { kid: options.kid, withdrawnAt: at }],
  };
  let replacement: string | null = null;
  if (wasSigning || next.keys.length === 0) {
    const fresh = { ...(await newStoredKey(now())), activeFrom: at };
    for (const key of next.keys) key.retiredAt ??= at;
    next.keys.unshift(fresh);
    replacement = fresh.kid;
  }
  await writeKeyFile(file, next);
  return { withdrawn: options.kid, replacement };
}

/**
 * Adds a new current key and retires the previous one, which stays in the
 * JWKS for `retainSeconds` so tokens it signed keep verifying.
 */
export async function rotateKeySet(options: KeySetOptions): Promise<{ kid: string; retired: string[] }> {
  const now = options.now ?? Date.now;
  const file = keyFilePath(options.dir);
  const stored = pruneRetired((await readKeyFile(file))?.data ?? { version: 1, keys: [] }, retention(options), now());
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
  await writeKeyFile(file, stored);
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
  const withdrawn = (file.withdrawn ?? []).filter((w) => Date.parse(w.withdrawnAt) + retainSeconds * 1000 > nowMs);
  return {
    version: 1,
    keys: file.keys.filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + retainSeconds * 1000 > nowMs),
    ...(withdrawn.length ? { withdrawn } : {}),
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
    activeFrom: stored.activeFrom ? new Date(stored.activeFrom) : null,
  };
}

/** A retired key keeps signing until its successor activates, then its tokens must expire. */
function retention(options: KeySetOptions): number {
  return options.retainSeconds + (options.activationDelaySeconds ?? 0);
}

function buildKeySet(keys: LoadedKey[], now: () => number, activationDelaySeconds: number): Omit<KeySet, 'reload' | 'withdrawn' | 'isWithdrawn'> {
  if (keys.length === 0) throw new SessionError('KEY_FILE_INVALID', 'The key file holds no keys.');
  // Newest first; the newest key already published for the activation delay signs.
  const byAge = [...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const signsFrom = (k: LoadedKey) => (k.activeFrom ?? new Date(k.createdAt.getTime() + activationDelaySeconds * 1000)).getTime();
  const current = () => byAge.find((k) => signsFrom(k) <= now()) ?? byAge[byAge.length - 1]!;
  const jwks: JSONWebKeySet = { keys: keys.map((k) => k.publicJwk) };
  const local = createLocalJWKSet(jwks);
  return {
    current,
    jwks: () => jwks,
    getKey: (header, token) => local(header, token),
    kids: () => keys.map((k) => k.kid),
  };
}
