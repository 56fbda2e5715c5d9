import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { SessionError } from './errors';
import type { KeyResolver } from './token';

export interface RemoteKeySetOptions {
  /** The identity app's `/.well-known/jwks.json`. */
  url: string;
  /** Least time between two fetches triggered by unknown `kid`s (default 30 s). */
  cooldownMs?: number;
  /** Refetch in the background once the cached set is this old (default 5 min). */
  maxAgeMs?: number;
  /** Per-fetch timeout (default 3 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Told of each failed fetch; the cached set keeps being used. */
  onError?: (err: unknown) => void;
  /** Told of every fetch once it ended, and whether it succeeded (a metric, say). */
  onFetch?: (ok: boolean) => void;
  /** Extra headers per fetch (a request id, say). */
  headers?: () => Record<string, string>;
}

export interface RemoteKeySet {
  getKey: KeyResolver;
  /** True once a key set has been fetched at least once. */
  isReady(): boolean;
  /** Fetches now (deduplicated with a fetch already under way). */
  refresh(): Promise<void>;
}

/**
 * A relying app's view of the identity app's JWKS. Unlike a plain fetch per
 * token it keeps the last good set: when the identity app is down, tokens
 * signed with known keys keep verifying; an unknown `kid` triggers one refetch
 * (rate-limited by a cooldown so forged `kid`s cannot make us hammer app 1).
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;

  let local: ReturnType<typeof createLocalJWKSet> | null = null;
  /** When the current set was fetched (successfully). */
  let fetchedAt = -Infinity;
  /** When the last fetch ended, success or failure: the cooldown counts from here. */
  let settledAt = -Infinity;
  let pending: Promise<void> | null = null;

  async function load(): Promise<void> {
    let ok = false;
    try {
      const res = await doFetch(options.url, {
        headers: { accept: 'application/json', ...options.headers?.() },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (!res.ok) throw new Error(`JWKS fetch answered ${res.status}`);
      const body = (await res.json()) as JSONWebKeySet;
      if (!body || !Array.isArray(body.keys)) throw new Error('JWKS response has no keys array');
      // Only public signature keys of the algorithm we pin are taken.
      const keys = body.keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.kid === 'string' && !('d' in k));
      local = createLocalJWKSet({ keys });
      fetchedAt = now();
      ok = true;
    } finally {
      settledAt = now();
      options.onFetch?.(ok);
    }
  }

  function refresh(): Promise<void> {
    pending ??= load().finally(() => {
      pending = null;
    });
    return pending;
  }

  /**
   * An unknown `kid` may mean app 1 rotated after our last fetch. Refetch,
   * unless a fetch that ended within the cooldown already answered (so a
   * forged `kid` cannot make us hammer app 1). A fetch in flight (a
   * background refresh, say) is awaited, never counted as a reason to skip:
   * skipping it is what once asked people for their password after a key
   * rotation.
   */
  async function keysAfterUnknownKid(): Promise<boolean> {
    if (pending) {
      await pending.catch((err: unknown) => options.onError?.(err));
      return true;
    }
    if (now() - settledAt < cooldownMs) return false;
    try {
      await refresh();
      return true;
    } catch (err) {
      options.onError?.(err);
      return false;
    }
  }

  return {
    isReady: () => local !== null,
    refresh,
    async getKey(header, token) {
      if (local === null) {
        try {
          await refresh();
        } catch (err) {
          options.onError?.(err);
          throw new SessionError('KEYS_UNAVAILABLE', `No signing keys yet: the identity app's JWKS at ${options.url} could not be fetched.`, { cause: err });
        }
      } else if (!pending && now() - fetchedAt > maxAgeMs && now() - settledAt > cooldownMs) {
        // Stale: refresh in the background; this request uses the cached set.
        refresh().catch((err: unknown) => options.onError?.(err));
      }
      try {
        return await local!(header, token);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
        if (!(await keysAfterUnknownKid())) throw err;
        return local!(header, token);
      }
    },
  };
}
