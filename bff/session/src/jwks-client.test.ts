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
    // No verified-token cache, and a new token each time: the key set answers every verify.
    const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
    for (let i = 0; i < 5; i++) expect(await verifier.verify(await tokenFrom(keys))).toMatchObject({ ok: true });
    expect(state.calls).toBe(1);
  });

  it('keeps verifying with the cached set while the identity app is down', async () => {
    const state = { keys, down: false, calls: 0 };
    let clock = 0;
    const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: fakeFetch(state), now: () => clock, maxAgeMs: 10, cooldownMs: 0 });
    // No verified-token cache, and a new token each time: every verify below asks the key set.
    const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
    expect(await verifier.verify(await tokenFrom(keys))).toMatchObject({ ok: true });
    state.down = true;
    clock = 1_000_000;
    const callsBefore = state.calls;
    expect(await verifier.verify(await tokenFrom(keys))).toMatchObject({ ok: true }); // finds the set stale, refetches in the background
    await remote.refresh().catch(() => undefined); // that refetch has failed by now
    expect(state.calls).toBeGreaterThan(callsBefore); // it did try app 1...
    for (let i = 0; i < 3; i++) expect(await verifier.verify(await tokenFrom(keys))).toMatchObject({ ok: true }); // ...and kept the set it had
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
      // No verified-token cache, and a new token each time: every verify asks the key set.
      const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });

      await rotateKeySet({ dir: rotDir, retainSeconds: 600 });
      const after = await loadOrCreateKeySet({ dir: rotDir, retainSeconds: 600 });
      state.keys = after;
      // Within the cooldown (counted from the first fetch) an unknown kid does not trigger a fetch.
      for (let i = 0; i < 3; i++) expect(await verifier.verify(await tokenFrom(after))).toMatchObject({ ok: false });
      expect(state.calls).toBe(1);
      clock += 30_001;
      expect(await verifier.verify(await tokenFrom(after))).toMatchObject({ ok: true });
      expect(state.calls).toBe(2);
      // The refetched set serves both keys with no further fetch.
      expect(await verifier.verify(await tokenFrom(after))).toMatchObject({ ok: true });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });
      expect(state.calls).toBe(2);
    } finally {
      await rm(rotDir, { recursive: true, force: true });
    }
  });

  describe('key rotation never costs a sign-in, whatever the cache age', () => {
    const maxAgeMs = 300_000;
    const cooldownMs = 30_000;

    /** A JWKS endpoint whose answers the test releases one by one. */
    function gatedFetch(state: { keys: KeySet; calls: number; gate: Promise<void> | null }): typeof fetch {
      return async () => {
        state.calls++;
        if (state.gate) await state.gate;
        return new Response(JSON.stringify(state.keys.jwks()), { headers: { 'content-type': 'application/json' } });
      };
    }

    async function rotated() {
      const rotDir = await mkdtemp(path.join(tmpdir(), 'sso-jwks-age-'));
      const before = await loadOrCreateKeySet({ dir: rotDir, retainSeconds: 600 });
      await rotateKeySet({ dir: rotDir, retainSeconds: 600 });
      const after = await loadOrCreateKeySet({ dir: rotDir, retainSeconds: 600 });
      await rm(rotDir, { recursive: true, force: true });
      return { before, after };
    }

    // Ages of the cached set when the first token with the new kid arrives.
    // App 1 publishes a key 60 s before signing with it (ADR 010), longer
    // than the cooldown, so the youngest age that can occur is past it.
    for (const age of [cooldownMs + 1, 60_000, maxAgeMs - 1, maxAgeMs, maxAgeMs + 1, maxAgeMs + cooldownMs + 1, 10 * maxAgeMs]) {
      it(`a token with the new kid verifies when the cached set is ${age} ms old`, async () => {
        const { before, after } = await rotated();
        const state = { keys: before, calls: 0, gate: null as Promise<void> | null };
        let clock = 1_000_000;
        const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: gatedFetch(state), now: () => clock, maxAgeMs, cooldownMs });
        const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
        expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });

        state.keys = after; // app 1 publishes the new key
        clock += age;
        expect(await verifier.verify(await tokenFrom(after))).toMatchObject({ ok: true });
        expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true }); // old key kept while its tokens live
      });
    }

    it('an unknown kid waits for a background refresh already in flight instead of failing', async () => {
      const { before, after } = await rotated();
      const state = { keys: before, calls: 0, gate: null as Promise<void> | null };
      let clock = 1_000_000;
      const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: gatedFetch(state), now: () => clock, maxAgeMs, cooldownMs });
      const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });

      state.keys = after;
      clock += maxAgeMs + 1;
      let release!: () => void;
      state.gate = new Promise((resolve) => (release = resolve));
      // An old-kid request finds the set stale and starts a background refresh, held open.
      const oldKid = verifier.verify(await tokenFrom(before));
      // Meanwhile a token with the new kid arrives: it must wait for that refresh.
      const newKid = verifier.verify(await tokenFrom(after));
      release();
      expect(await oldKid).toMatchObject({ ok: true });
      expect(await newKid).toMatchObject({ ok: true });
      expect(state.calls).toBe(2); // one background refresh, shared
    });

    it('a background refresh that just finished does not stop the refetch of a kid published after it', async () => {
      const { before, after } = await rotated();
      const state = { keys: before, calls: 0, gate: null as Promise<void> | null };
      let clock = 1_000_000;
      const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: gatedFetch(state), now: () => clock, maxAgeMs, cooldownMs });
      const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });
      clock += maxAgeMs + 1;
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true }); // starts the background refresh
      await new Promise((resolve) => setImmediate(resolve)); // let that refresh settle
      expect(state.calls).toBe(2);

      // The new key appears after that refresh; with the activation delay its
      // first token comes later than the cooldown.
      state.keys = after;
      clock += cooldownMs + 1;
      expect(await verifier.verify(await tokenFrom(after))).toMatchObject({ ok: true });
      expect(state.calls).toBe(3);
    });

    it('forged kids cost app 1 at most one fetch per cooldown', async () => {
      const { before, after } = await rotated();
      const state = { keys: before, calls: 0, gate: null as Promise<void> | null };
      let clock = 1_000_000;
      const remote = createRemoteKeySet({ url: 'http://idp/jwks', fetch: gatedFetch(state), now: () => clock, maxAgeMs, cooldownMs });
      const verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: remote.getKey }, cacheSize: 0 });
      expect(await verifier.verify(await tokenFrom(before))).toMatchObject({ ok: true });
      // `after` is never published: its kid is unknown to app 1 too.
      clock += cooldownMs + 1;
      const forged = await tokenFrom(after);
      const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(forged)));
      expect(results.every((r) => !r.ok)).toBe(true);
      for (let i = 0; i < 20; i++) expect(await verifier.verify(forged)).toMatchObject({ ok: false });
      expect(state.calls).toBe(2);
    });
  });
});
