import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, base64url, exportJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeySet, type KeySet } from './keys';
import { createTokenSigner, createTokenVerifier, hs256Secret, type TokenVerifier } from './token';
import { TOKEN_TYPE } from './claims';

const ISS = 'http://app1.sso.localhost:3001';
const AUD = 'sso.localhost';
const subject = { sub: 'u_123', sid: 's_456', preferred_username: 'alice', email: 'a@example.test', name: 'Alice' };

let dir: string;
let keys: KeySet;
let verifier: TokenVerifier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-token-'));
  keys = await loadOrCreateKeySet({ dir, retainSeconds: 605 });
  verifier = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey } });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({ ...subject, iss: ISS, aud: AUD, iat: now(), exp: now() + 600, jti: 'j1' });

/** Signs arbitrary claims and header with our real private key. */
function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = keys.current();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: TOKEN_TYPE, ...header })
    .sign(key.privateKey);
}

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>, signature = '') {
  const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(claims)}.${signature}`;
}

async function expectRejected(token: string, code = 'TOKEN_INVALID') {
  const result = await verifier.verify(token);
  expect(result).toMatchObject({ ok: false, code });
}

describe('token', () => {
  it('sign then verify round-trips every claim', async () => {
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } });
    const issued = await signer.sign(subject);
    const result = await verifier.verify(issued.token);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims).toMatchObject({ ...subject, iss: ISS, aud: AUD });
    expect(result.claims.exp - result.claims.iat).toBe(600);
    expect(result.claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    const [header] = issued.token.split('.');
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header!)))).toEqual({ alg: 'EdDSA', kid: keys.current().kid, typ: TOKEN_TYPE });
  });

  it('verify accepts a hand-forged token only when everything is right (control for the cases below)', async () => {
    expect((await verifier.verify(await forge(validClaims()))).ok).toBe(true);
  });

  it.each(['none', 'NONE', 'None', 'nOnE'])('verify rejects alg %s, with and without a signature', async (alg) => {
    await expectRejected(unsigned({ alg, typ: TOKEN_TYPE }, validClaims()));
    await expectRejected(unsigned({ alg, typ: TOKEN_TYPE }, validClaims(), 'AAAA'));
  });

  it('verify rejects HS256 signed with the public key as the secret', async () => {
    const jwk = await exportJWK(keys.current().privateKey);
    const publicJwkJson = JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
    for (const secret of [base64url.decode(jwk.x!), new TextEncoder().encode(publicJwkJson)]) {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: 'HS256', kid: keys.current().kid, typ: TOKEN_TYPE })
        .sign(secret);
      await expectRejected(token);
    }
  });

  it('verify rejects a token signed by another key that carries the same kid', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.current().kid, typ: TOKEN_TYPE })
      .sign(other);
    await expectRejected(token);
  });

  it('verify ignores key material in the header (jwk, jku, x5u)', async () => {
    const attacker = generateKeyPairSync('ed25519');
    const jwk = await exportJWK(attacker.publicKey);
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: TOKEN_TYPE, jwk, jku: 'http://evil.test/jwks', x5u: 'http://evil.test/c' })
      .sign(attacker.privateKey);
    await expectRejected(token);
  });

  it.each(['../../../etc/passwd', "' OR '1'='1", 'x'.repeat(2000), '', '\u0000'])('verify rejects a kid injection attempt %j', async (kid) => {
    await expectRejected(await forge(validClaims(), { kid }));
  });

  it('verify rejects HS256 tokens signed with a blank or other key', async () => {
    for (const secret of [new Uint8Array(0), new TextEncoder().encode('x'.repeat(32))]) {
      const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE }).sign(secret).catch(() => null);
      if (token) await expectRejected(token);
    }
  });

  it('verify rejects an unknown kid', async () => {
    await expectRejected(await forge(validClaims(), { kid: 'not-a-key' }));
  });

  it('verify rejects a tampered payload and a truncated signature', async () => {
    const token = await forge(validClaims());
    const [h, , s] = token.split('.');
    const tampered = `${h}.${base64url.encode(JSON.stringify({ ...validClaims(), sub: 'admin' }))}.${s}`;
    await expectRejected(tampered);
    await expectRejected(token.slice(0, -4));
  });

  it('verify reports an expired but genuine token as TOKEN_EXPIRED', async () => {
    await expectRejected(await forge({ ...validClaims(), iat: now() - 700, exp: now() - 100 }), 'TOKEN_EXPIRED');
  });

  it('verify rejects a token whose iat is in the future', async () => {
    await expectRejected(await forge({ ...validClaims(), iat: now() + 3600, exp: now() + 4200 }));
  });

  it('verify rejects a token whose iat is older than the maximum age even if exp is far away', async () => {
    await expectRejected(await forge({ ...validClaims(), iat: now() - 3600, exp: now() + 3600 }), 'TOKEN_EXPIRED');
  });

  it('verify rejects a token not yet valid (future nbf)', async () => {
    await expectRejected(await forge({ ...validClaims(), nbf: now() + 3600 }));
  });

  it.each([
    ['iss', { iss: 'http://evil.test' }],
    ['aud', { aud: 'other-audience' }],
  ])('verify rejects a wrong %s', async (_name, override) => {
    await expectRejected(await forge({ ...validClaims(), ...override }));
  });

  it('verify rejects a wrong or missing typ', async () => {
    await expectRejected(await forge(validClaims(), { typ: 'JWT' }));
    await expectRejected(await forge(validClaims(), { typ: undefined }));
  });

  it.each(['sub', 'sid', 'exp', 'iat', 'jti', 'preferred_username'])('verify rejects a token missing %s', async (claim) => {
    const claims: Record<string, unknown> = validClaims();
    delete claims[claim];
    await expectRejected(await forge(claims));
  });

  it('verify rejects claims of the wrong type', async () => {
    await expectRejected(await forge({ ...validClaims(), sid: 42 }));
    await expectRejected(await forge({ ...validClaims(), email: { $ne: null } }));
  });

  it('amr and auth_time round-trip when given; a token with a mistyped amr or auth_time is refused', async () => {
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } });
    const issued = await signer.sign({ ...subject, amr: ['pwd', 'otp', 'mfa'], auth_time: now() - 30 });
    expect(await verifier.verify(issued.token)).toMatchObject({ ok: true, claims: { amr: ['pwd', 'otp', 'mfa'], auth_time: now() - 30 } });
    // A relying app trusting amr must never see `"mfa"` smuggled as a string or an object.
    await expectRejected(await forge({ ...validClaims(), amr: 'mfa' }));
    await expectRejected(await forge({ ...validClaims(), amr: [{ mfa: true }] }));
    await expectRejected(await forge({ ...validClaims(), auth_time: '1700000000' }));
    await expectRejected(await forge({ ...validClaims(), auth_time: 1.5 }));
  });

  it('groups round-trip when given; a token with too many, too long or mistyped groups is refused, and the signer will not make one', async () => {
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } });
    const issued = await signer.sign({ ...subject, groups: ['admins', 'ops'] });
    expect(await verifier.verify(issued.token)).toMatchObject({ ok: true, claims: { groups: ['admins', 'ops'] } });
    const thirtyTwo = Array.from({ length: 32 }, (_, i) => `g${i}`);
    expect((await verifier.verify(await forge({ ...validClaims(), groups: thirtyTwo }))).ok).toBe(true);
    // A relying app checking `groups.includes('admins')` must never see a string or an object there.
    await expectRejected(await forge({ ...validClaims(), groups: 'admins' }));
    await expectRejected(await forge({ ...validClaims(), groups: [{ admins: true }] }));
    await expectRejected(await forge({ ...validClaims(), groups: [...thirtyTwo, 'one-more'] }));
    await expectRejected(await forge({ ...validClaims(), groups: ['x'.repeat(65)] }));
    await expectRejected(await forge({ ...validClaims(), groups: [''] }));
    await expect(signer.sign({ ...subject, groups: [...thirtyTwo, 'one-more'] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('email_verified round-trips as a boolean; absent (an older token) reads false; never true without an address; mistyped is refused', async () => {
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current } });
    expect(await verifier.verify((await signer.sign({ ...subject, email_verified: true })).token)).toMatchObject({ ok: true, claims: { email_verified: true } });
    expect(await verifier.verify((await signer.sign(subject)).token)).toMatchObject({ ok: true, claims: { email_verified: false } });
    const noAddress = await signer.sign({ ...subject, email: null, email_verified: true });
    expect(noAddress.claims.email_verified).toBe(false);
    const older: Record<string, unknown> = validClaims();
    delete older.email_verified;
    expect(await verifier.verify(await forge(older))).toMatchObject({ ok: true, claims: { email_verified: false } });
    expect(await verifier.verify(await forge({ ...validClaims(), email: null, email_verified: true }))).toMatchObject({ ok: true, claims: { email_verified: false } });
    // A relying app gating a route on it must never see "true" smuggled as a string or a number.
    await expectRejected(await forge({ ...validClaims(), email_verified: 'true' }));
    await expectRejected(await forge({ ...validClaims(), email_verified: 1 }));
  });

  it('verify rejects JWE and JSON-serialized input, garbage and oversized tokens without throwing', async () => {
    await expectRejected('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc');
    await expectRejected(JSON.stringify({ payload: 'x', signatures: [] }));
    await expectRejected('not a token');
    await expectRejected('a'.repeat(20_000));
    await expectRejected('');
  });

  it('verify refuses a revoked session', async () => {
    const v = createTokenVerifier({
      issuer: ISS,
      audience: AUD,
      method: { alg: 'EdDSA', getKey: keys.getKey },
      isRevoked: (sid) => sid === subject.sid,
    });
    expect(await v.verify(await forge(validClaims()))).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });
});

describe('verified-token cache', () => {
  it('a cached token still honours revocation and expiry', async () => {
    let clock = Date.now();
    const revoked = new Set<string>();
    const v = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey }, isRevoked: (sid) => revoked.has(sid), now: () => clock });
    const token = await createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current }, now: () => clock }).sign(subject);
    expect(await v.verify(token.token)).toMatchObject({ ok: true });
    expect(await v.verify(token.token)).toMatchObject({ ok: true });
    revoked.add(subject.sid);
    expect(await v.verify(token.token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    revoked.clear();
    clock += 700_000;
    expect(await v.verify(token.token)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  /** A verifier over our key set that counts key lookups: one per full check. */
  function countingVerifier(options: { cacheSize?: number; isKeyWithdrawn?: (kid: string) => boolean } = {}) {
    const counter = { lookups: 0 };
    const v = createTokenVerifier({
      issuer: ISS,
      audience: AUD,
      method: { alg: 'EdDSA', getKey: (header, input) => { counter.lookups++; return keys.getKey(header, input); } },
      ...options,
    });
    return { v, counter };
  }

  it('a cached token from a key withdrawn since is refused without a full check', async () => {
    const withdrawn = new Set<string>();
    const { v, counter } = countingVerifier({ isKeyWithdrawn: (kid) => withdrawn.has(kid) });
    const token = await forge(validClaims());
    expect(await v.verify(token)).toMatchObject({ ok: true });
    withdrawn.add(keys.current().kid);
    expect(await v.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED', reason: 'signing key withdrawn' });
    expect(counter.lookups).toBe(1);
  });

  it('when full, the cache drops the least recently used token, not the oldest', async () => {
    const { v, counter } = countingVerifier({ cacheSize: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((jti) => forge({ ...validClaims(), jti })));
    for (const t of [a!, b!, a!, c!]) expect(await v.verify(t)).toMatchObject({ ok: true });
    expect(counter.lookups).toBe(3);
    expect(await v.verify(a!)).toMatchObject({ ok: true });
    expect(counter.lookups).toBe(3); // used just before c came in: kept
    expect(await v.verify(b!)).toMatchObject({ ok: true });
    expect(counter.lookups).toBe(4); // least recently used: dropped
  });

  it('cacheSize 0 checks every token in full, and a fractional or negative size is refused', async () => {
    const { v, counter } = countingVerifier({ cacheSize: 0 });
    const token = await forge(validClaims());
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(counter.lookups).toBe(2);
    for (const cacheSize of [1.5, -1]) expect(() => countingVerifier({ cacheSize })).toThrow(/whole number of entries/);
  });

  it('a cached token expires on the injected clock, with the clock tolerance', async () => {
    let clock = Date.now();
    const v = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey }, clockToleranceSeconds: 5, now: () => clock });
    const issued = await createTokenSigner({ issuer: ISS, audience: AUD, ttlSeconds: 60, method: { alg: 'EdDSA', currentKey: keys.current }, now: () => clock }).sign(subject);
    expect(await v.verify(issued.token)).toMatchObject({ ok: true });
    clock = issued.claims.exp * 1000 + 4_000;
    expect(await v.verify(issued.token)).toMatchObject({ ok: true });
    clock = issued.claims.exp * 1000 + 5_000;
    expect(await v.verify(issued.token)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('verifyCached answers a cached token synchronously, revocation included, and leaves anything else to verify', async () => {
    let clock = Date.now();
    const revoked = new Set<string>();
    const v = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey }, isRevoked: (sid) => revoked.has(sid), now: () => clock });
    const { token } = await createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', currentKey: keys.current }, now: () => clock }).sign(subject);
    expect(v.verifyCached!(token)).toBeUndefined(); // never seen: only verify can tell
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(v.verifyCached!(token)).toMatchObject({ ok: true, claims: { sub: subject.sub } });
    revoked.add(subject.sid);
    expect(v.verifyCached!(token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    revoked.clear();
    expect(v.verifyCached!(`${token}x`)).toBeUndefined();
    expect(v.verifyCached!('a'.repeat(5000))).toBeUndefined();
    clock += 700_000;
    expect(v.verifyCached!(token)).toBeUndefined(); // expired: verify says why
    expect(await v.verify(token)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('verifyCached never answers when the cache is off', async () => {
    const { v } = countingVerifier({ cacheSize: 0 });
    const token = await forge(validClaims());
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(v.verifyCached!(token)).toBeUndefined();
  });

  it('a tampered copy of a cached token is still checked in full', async () => {
    const v = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'EdDSA', getKey: keys.getKey } });
    const token = await forge(validClaims());
    expect(await v.verify(token)).toMatchObject({ ok: true });
    const i = token.lastIndexOf('.') + 10;
    const flipped = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    expect(await v.verify(flipped)).toMatchObject({ ok: false });
  });
});

describe('canonical base64url', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The segment with an unused bit of its last character set: other text, same bytes. */
  function respellSegment(segment: string): string {
    expect(segment.length % 4).not.toBe(0); // otherwise every bit is used
    const last = alphabet.indexOf(segment.at(-1)!);
    return `${segment.slice(0, -1)}${alphabet[last ^ 0b0001]}`;
  }
  /** The token with its signature's last character swapped for one that decodes to the same bytes. */
  function respell(token: string): string {
    const [h, p, sig] = token.split('.') as [string, string, string];
    expect(sig).toHaveLength(86); // 64 bytes: the last character has 4 unused bits
    return `${h}.${p}.${respellSegment(sig)}`;
  }

  it('a respelled signature decodes to the same bytes, and jose alone accepts it (the control)', async () => {
    const token = await forge(validClaims());
    const variant = respell(token);
    expect(variant).not.toBe(token);
    expect(base64url.decode(variant.split('.')[2]!)).toEqual(base64url.decode(token.split('.')[2]!));
    const { payload } = await jwtVerify(variant, keys.getKey, { algorithms: ['EdDSA'], issuer: ISS, audience: AUD, typ: TOKEN_TYPE });
    expect(payload.sub).toBe(subject.sub);
  });

  it('verify refuses a genuine token whose signature is spelled non-canonically', async () => {
    const token = await forge(validClaims());
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(respell(token))).toMatchObject({ ok: false, code: 'TOKEN_INVALID', reason: 'non-canonical base64url' });
  });

  it('verify refuses a non-canonical payload, and a segment of 1 mod 4 characters', async () => {
    // A jti of the right length gives a payload segment whose last character has spare bits.
    let token = '';
    for (let n = 1; !token; n++) {
      const t = await forge({ ...validClaims(), jti: 'j'.repeat(n) });
      if (t.split('.')[1]!.length % 4 !== 0) token = t;
    }
    const [h, p, sig] = token.split('.') as [string, string, string];
    const variant = respellSegment(p);
    expect(base64url.decode(variant)).toEqual(base64url.decode(p));
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(`${h}.${variant}.${sig}`)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', reason: 'non-canonical base64url' });
    expect(await verifier.verify(`${h}.${p}.${sig}A`)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });

  it('a refused respelling takes no cache slot and costs no signature check', async () => {
    let keyLookups = 0;
    const v = createTokenVerifier({
      issuer: ISS,
      audience: AUD,
      method: { alg: 'EdDSA', getKey: (header, input) => { keyLookups++; return keys.getKey(header, input); } },
      cacheSize: 1,
    });
    const token = await forge(validClaims());
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(keyLookups).toBe(1);
    expect(await v.verify(respell(token))).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    expect(keyLookups).toBe(1); // refused before jose
    expect(await v.verify(token)).toMatchObject({ ok: true });
    expect(keyLookups).toBe(1); // the one slot still holds the genuine token
  });
});

describe('HS256 compatibility mode', () => {
  const secret = hs256Secret('x'.repeat(16) + 'a-long-random-secret-value-here!');

  it('hs256Secret refuses secrets shorter than 32 bytes with a fix in the message', () => {
    expect(() => hs256Secret('short')).toThrow(/at least 32 random bytes.*randomBytes/);
  });

  it('signs and verifies with the shared secret and applies the same claim checks', async () => {
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'HS256', secret } });
    const hs = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'HS256', secret } });
    const issued = await signer.sign(subject);
    expect(await hs.verify(issued.token)).toMatchObject({ ok: true });

    const wrongAud = createTokenSigner({ issuer: ISS, audience: 'other', method: { alg: 'HS256', secret } });
    expect(await hs.verify((await wrongAud.sign(subject)).token)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });

  it('an HS256 verifier rejects an EdDSA token and vice versa', async () => {
    const hs = createTokenVerifier({ issuer: ISS, audience: AUD, method: { alg: 'HS256', secret } });
    expect(await hs.verify(await forge(validClaims()))).toMatchObject({ ok: false });
    const signer = createTokenSigner({ issuer: ISS, audience: AUD, method: { alg: 'HS256', secret } });
    expect(await verifier.verify((await signer.sign(subject)).token)).toMatchObject({ ok: false });
  });
});
