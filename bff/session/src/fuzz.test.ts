import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCookieController, readAll } from './cookie';
import { loadOrCreateKeySet, type KeySet } from './keys';
import { createTokenSigner, createTokenVerifier, type TokenVerifier } from './token';

let dir: string;
let keys: KeySet;
let verifier: TokenVerifier;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-fuzz-'));
  keys = await loadOrCreateKeySet({ dir, retainSeconds: 605 });
  verifier = createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: keys.getKey } });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 200 });

describe('fuzz: token verifier', () => {
  it('never throws and never accepts random strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 5000 }), fc.string({ unit: 'binary', maxLength: 500 })), async (input) => {
        const result = await verifier.verify(input);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts three random base64url parts, or a real token with any one part replaced', async () => {
    const real = (await createTokenSigner({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', currentKey: keys.current } }).sign({ sub: 's', sid: 'x', preferred_username: 'u' })).token;
    const [h, p, s] = real.split('.') as [string, string, string];
    await fc.assert(
      fc.asyncProperty(b64url, b64url, b64url, fc.integer({ min: 0, max: 3 }), async (a, b, c, mode) => {
        const token = mode === 0 ? `${a}.${b}.${c}` : mode === 1 ? `${a}.${p}.${s}` : mode === 2 ? `${h}.${b}.${s}` : `${h}.${p}.${c}`;
        fc.pre(token !== real);
        const result = await verifier.verify(token);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fuzz: cookie header parsing', () => {
  const cookie = createCookieController({ domain: 'sso.localhost' });
  it('never throws on any header and only ever returns values that were in it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 3000 }), fc.array(fc.tuple(fc.constantFrom('__Secure-sso', 'a', ' __Secure-sso', ''), fc.string({ maxLength: 50 })), { maxLength: 30 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; '))), (header) => {
        const read = cookie.read(header);
        if (read.status === 'present') expect(header).toContain(read.value);
        for (const v of readAll(header, '__Secure-sso')) expect(header).toContain(v);
      }),
      { numRuns: 5000 },
    );
  });
});
