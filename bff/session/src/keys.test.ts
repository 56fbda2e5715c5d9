import { chmod, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_FILE_NAME } from './key-file';
import { loadOrCreateKeySet, rotateKeySet, withdrawKey } from './keys';
import { createTokenSigner, createTokenVerifier } from './token';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-keys-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('key set', () => {
  it('generates an Ed25519 key on first start in a 0600 file and reuses it after', async () => {
    const first = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const mode = (await stat(path.join(dir, KEY_FILE_NAME))).mode & 0o777;
    expect(mode).toBe(0o600);
    const second = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    expect(second.current().kid).toBe(first.current().kid);
  });

  it('instances starting at once on one DATA_DIR end up with the same key', async () => {
    const sets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeySet({ dir, retainSeconds: 600 })));
    expect(new Set(sets.map((k) => k.current().kid)).size).toBe(1);
  });

  it('publishes only public OKP Ed25519 keys', async () => {
    const keys = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const [jwk] = keys.jwks().keys;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: keys.current().kid });
    expect(jwk).not.toHaveProperty('d');
  });

  it('after rotation, old tokens verify until their key is pruned, new tokens use the new kid', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const before = await loadOrCreateKeySet({ dir, retainSeconds: 600, now });
    const oldToken = (await createTokenSigner({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', currentKey: before.current }, now }).sign({ sub: 's', sid: 'x', preferred_username: 'u' })).token;

    const { kid, retired } = await rotateKeySet({ dir, retainSeconds: 600, now });
    expect(retired).toEqual([before.current().kid]);
    const after = await loadOrCreateKeySet({ dir, retainSeconds: 600, now });
    expect(after.current().kid).toBe(kid);
    expect(after.kids()).toEqual([kid, before.current().kid]);
    const verify = (ks: typeof after) => createTokenVerifier({ issuer: 'i', audience: 'a', method: { alg: 'EdDSA', getKey: ks.getKey }, now }).verify(oldToken);
    expect(await verify(after)).toMatchObject({ ok: true });

    clock += 601_000;
    const pruned = await loadOrCreateKeySet({ dir, retainSeconds: 600, now });
    expect(pruned.kids()).toEqual([kid]);
    expect(await verify(pruned)).toMatchObject({ ok: false });
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o666])('a key file with mode %o stops start-up with the chmod 600 fix and is left as it is', async (mode) => {
    const file = path.join(dir, KEY_FILE_NAME);
    await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const before = await readFile(file, 'utf8');
    await chmod(file, mode);
    const refusal = loadOrCreateKeySet({ dir, retainSeconds: 600 });
    await expect(refusal).rejects.toMatchObject({ name: 'SessionError', code: 'KEY_FILE_INVALID' });
    await expect(refusal).rejects.toThrow(`Run chmod 600 ${file}`);
    await expect(rotateKeySet({ dir, retainSeconds: 600 })).rejects.toThrow(`chmod 600 ${file}`);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(mode);
  });

  it('a read-only 0400 key file is accepted', async () => {
    const first = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    await chmod(path.join(dir, KEY_FILE_NAME), 0o400);
    expect((await loadOrCreateKeySet({ dir, retainSeconds: 600 })).current().kid).toBe(first.current().kid);
  });

  it('a rotation never follows a symlink planted at a predictable temp name', async () => {
    await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'untouched');
    const file = path.join(dir, KEY_FILE_NAME);
    for (const p of [`${file}.${process.pid}.tmp`, `${file}.tmp`, `${file}.new`]) await symlink(victim, p);
    await rotateKeySet({ dir, retainSeconds: 600 });
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readlink(`${file}.${process.pid}.tmp`)).toBe(victim);
    expect((await readdir(dir)).filter((n) => /\.(tmp|new)$/.test(n))).toHaveLength(3);
  });

  it('a corrupt key file stops start-up with the file name and is never overwritten', async () => {
    const file = path.join(dir, KEY_FILE_NAME);
    await writeFile(file, '{"version":1,"keys":[{"kid":', { mode: 0o600 });
    await expect(loadOrCreateKeySet({ dir, retainSeconds: 600 })).rejects.toThrow(new RegExp(`${KEY_FILE_NAME}.*not a valid key set`));
    expect(await readFile(file, 'utf8')).toBe('{"version":1,"keys":[{"kid":');
  });
});

describe('key activation delay', () => {
  it('a rotated-in key is published at once but signs only after the delay', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const opts = { dir, retainSeconds: 600, activationDelaySeconds: 60, now: () => clock };
    const first = await loadOrCreateKeySet(opts);
    const oldKid = first.current().kid;
    const { kid } = await rotateKeySet(opts);
    const ks = await loadOrCreateKeySet(opts);
    expect(ks.kids()).toContain(kid);
    expect(ks.jwks().keys.map((k) => k.kid)).toContain(kid);
    expect(ks.current().kid).toBe(oldKid);
    clock += 60_000;
    expect(ks.current().kid).toBe(kid);
    // The old key stays published for delay + token lifetime after retirement.
    clock += 599_000;
    expect((await loadOrCreateKeySet(opts)).kids()).toContain(oldKid);
    clock += 2_000;
    expect((await loadOrCreateKeySet(opts)).kids()).not.toContain(oldKid);
  });
});

describe('key set reload', () => {
  it('a running key set picks up a rotation from the file', async () => {
    const running = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const before = running.current().kid;
    expect(await running.reload()).toBe(false);
    // No pause: a rotation within the same mtime tick is seen too.
    const { kid } = await rotateKeySet({ dir, retainSeconds: 600 });
    expect(await running.reload()).toBe(true);
    expect(running.current().kid).toBe(kid);
    expect(running.kids()).toEqual([kid, before]);
  });

  it('reload goes by content: a rewrite with the old mtime restored is picked up', async () => {
    const file = path.join(dir, KEY_FILE_NAME);
    await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    // A whole second, so the restored mtime is exactly the one the key set saw.
    const mtime = new Date(Date.parse('2026-01-01T00:00:00Z'));
    await utimes(file, mtime, mtime);
    const running = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const before = running.current().kid;

    const { kid } = await rotateKeySet({ dir, retainSeconds: 600 });
    await utimes(file, mtime, mtime);
    expect((await stat(file)).mtimeMs).toBe(mtime.getTime());

    expect(await running.reload()).toBe(true);
    expect(running.current().kid).toBe(kid);
    expect(running.jwks().keys.map((k) => k.kid)).toEqual([kid, before]);
  });

  it('reload leaves the keys alone when only the mtime changed', async () => {
    const file = path.join(dir, KEY_FILE_NAME);
    const running = await loadOrCreateKeySet({ dir, retainSeconds: 600 });
    const later = new Date(Date.now() + 60_000);
    await utimes(file, later, later);
    expect(await running.reload()).toBe(false);
  });
});

describe('withdrawKey over time', () => {
  it('a withdrawn key is refused until its last token has expired, then leaves the feed; a fresh key signs at once', async () => {
    let clock = Date.parse('2026-05-01T10:00:00Z');
    const now = () => clock;
    const options = { dir, retainSeconds: 605, activationDelaySeconds: 60, now };
    const keys = await loadOrCreateKeySet(options);
    const leaked = keys.current().kid;
    const { replacement } = await withdrawKey({ ...options, kid: leaked });
    expect(await keys.reload()).toBe(true);
    expect(keys.current().kid).toBe(replacement); // no activation delay for an emergency replacement
    expect(keys.kids()).not.toContain(leaked);
    expect(keys.isWithdrawn(leaked)).toBe(true);

    clock += 604_000; // a token signed just before the withdrawal may still be alive
    expect(keys.withdrawn().map((w) => w.kid)).toEqual([leaked]);
    clock += 2_000; // past the token lifetime and the clock tolerance (plus the activation delay it kept)
    clock += 60_000;
    expect(keys.isWithdrawn(leaked)).toBe(false);
    expect(keys.withdrawn()).toEqual([]);
  });
});
