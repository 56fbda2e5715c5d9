import { readdir } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDomain, storedData, type Domain } from './harness';

let domain: Domain;
beforeAll(async () => {
  domain = await startDomain({
    withApp2: false,
    app1: { throttleLimits: { perUserAddress: { failures: 1e6, durationSeconds: 1, blockSeconds: 1 }, perAddress: { failures: 1e6, durationSeconds: 1, blockSeconds: 1 }, perUser: { failures: 1e6, durationSeconds: 1, blockSeconds: 1 } } },
  });
});
afterAll(() => domain.stop());

/** Deeply nested JSON: arrays and objects inside each other. */
const nested = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 3 })),
})).node;

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'username', 'password', 'email', 'name', 'returnTo');
const field = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), nested);
const body = fc.oneof(
  fc.record({ username: field, password: field }, { requiredKeys: [] }),
  fc.dictionary(hostileKey, field, { maxKeys: 6 }),
  nested,
  fc.record({ username: fc.string({ minLength: 1, maxLength: 40 }), password: fc.string({ minLength: 8, maxLength: 80 }), email: fc.oneof(fc.emailAddress(), fc.string()) }, { requiredKeys: ['username', 'password'] }),
);
const raw = fc.oneof(
  body.map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('{', '[', '{"a":', 'nul', '"\\ud800"', '{"username":"x","password":"' + 'a'.repeat(20_000) + '"}', '['.repeat(5000) + ']'.repeat(5000)),
);

describe('fuzz: sign-up and sign-in bodies', () => {
  it('thousands of random bodies: zero 5xx, and only accepted sign-ups are written', async () => {
    let created = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/signup', '/api/login'), raw, async (route, payload) => {
        const res = await fetch(`${domain.urls.app1}${route}`, {
          method: 'POST',
          headers: { origin: domain.origins.app1, 'content-type': 'application/json' },
          body: payload,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        if (route === '/api/signup' && res.status === 201) created++;
        if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        await res.arrayBuffer();
      }),
      { numRuns: 2500 },
    );
    // No accepted sign-up: nothing was ever written, not even an empty file.
    const stored = await storedData(domain.dataDir, 'app1');
    expect(stored.users.length).toBe(created);
    if (created === 0) expect((await readdir(domain.dataDir)).filter((f) => f.startsWith('app1.json') && !f.endsWith('.lock'))).toEqual([]);
    expect(({} as Record<string, unknown>).username).toBeUndefined();
    console.log('fuzz statuses', Object.fromEntries(statuses));
  });
});
