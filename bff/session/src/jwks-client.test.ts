import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteKeySet } from './jwks-client';
import { loadOrCreateKeySet, rotateKeySet, type KeySet } from './keys';
import { createTokenSigner, createTokenVerifier } from './token';

let dir: string;
let keys: KeySet;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-jwks-'));
  keys = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fake identity app: serves whatever key set `state.keys` holds, or fails. */
function fakeFetch(state: { keys: KeySet; down: boolean; calls: number }): typeof fetch {
  return async () => {
    state.calls++;
    if (state.down) throw new TypeError('fetch failed: ECONNREFUSED');
    return new Response(JSON.stringify(state.keys.jwks()), { headers: { 'content-type': 'application/json' } });
  };
}

async function tokenFrom(ks: KeySet) {
  return (await createTokenSigner({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', currentKey: ks.current } }).sign({ sub: 's', sid: 'x', preferred_username: 'u' })).token;
}

describe('remote key set', () => {
  it('fetches once and serves later tokens from the cache', async () => {
    const state = { keys, down: false, calls: 0 };
    const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: fakeFetch(state) });
    const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey } });
    const token = await tokenFrom(keys);
    for (let i = 0; i < 5; i++) expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(state.calls).toBe(1);
  });

  it('keeps verifying with the cached set while the identity app is down', async () => {
    const state = { keys, down: false, calls: 0 };
    let clock = 0;
    const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: fakeFetch(state), now: () => clock, maxAgeMs: 10, cooldownMs: 0 });
    const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey } });
    const token = await tokenFrom(keys);
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    state.down = true;
    clock = 1_000_000;
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
  });

  it('answers KEYS_UNAVAILABLE when no set was ever fetched, and recovers by itself', async () => {
    const state = { keys, down: true, calls: 0 };
    const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: fakeFetch(state) });
    const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey } });
    const token = await tokenFrom(keys);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, code: 'KEYS_UNAVAILABLE' });
    state.down = false;
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(remote.isReady()).toBe(true);
  });

  it('refetches on an unknown kid after rotation, at most once per cooldown', async () => {
    const rotDir = await mkdtemp(path.join(tmpdir(), 'sso-jwks-rot-'));
    try {
      const before = await loadOrCreateKeySet({ dir: rotDir, retainSeconds: 600 });
      const state = { keys: before, down: false, calls: 0 };
      let clock = 100_000;
      const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: fakeFetch(state), now: () => clock, cooldownMs: 30_000 });
      const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey } });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });

      await rotateKeySet({ dir: rotDir, retainSeconds: 600 });
      const after = await loadOrCreateKeySet({ dir: rotDir, retainSeconds: 600 });
      state.keys = after;
      const fresh = await tokenFrom(after);
      // Within the cooldown an unknown kid does not trigger a fetch.
      expect(await verifier.verify(fresh)).toMatchObject({ ok: false });
      expect(state.calls).toBe(1);
      clock += 30_001;
      expect(await verifier.verify(fresh)).toMatchObject({ ok: true });
      expect(state.calls).toBe(2);
    } finally {
      await rm(rotDir, { recursive: true, force: true });
    }
  });
});
