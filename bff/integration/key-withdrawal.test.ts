import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevocationFeedSchema } from '@sso/types';
import { withdrawKey } from '@sso/session';
import { Browser, startDomain, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let domain: Domain;
beforeAll(async () => {
  domain = await startDomain();
});
afterAll(() => domain.stop());

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
const me = (token: string) => fetch(`${domain.urls.app2}/api/me`, { headers: { cookie: `__Secure-sso=${token}` } });

describe('emergency key withdrawal (issue 12, item 7)', () => {
  it('a withdrawn key stops working everywhere within one feed poll, tokens already verified (cached) included; people renew onto the new key', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'leaked', password: PASSWORD } });
    const token = b.cookie('__Secure-sso')!;
    const leakedKid = kidOf(token);
    // Verified once: from now on app 2 answers this token from its verified-token cache.
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200);

    const { replacement } = await withdrawKey({ dir: domain.dataDir, kid: leakedKid, retainSeconds: 605, activationDelaySeconds: 60 });
    expect(replacement).not.toBeNull();
    expect(await domain.app1.context.keys!.reload()).toBe(true); // app 1's 5 s watcher, now
    await domain.app2!.revocations.sync(); // one poll of the feed

    const feed = RevocationFeedSchema.parse(await (await fetch(`${domain.urls.app1}/api/revocations?since=0`)).json());
    expect(feed.withdrawnKeys.map((w) => w.kid)).toEqual([leakedKid]);
    const jwks = (await (await fetch(`${domain.urls.app1}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([replacement]);

    expect((await me(token)).status).toBe(401); // the cached token too
    expect((await fetch(`${domain.urls.app1}/api/session`, { headers: { cookie: `__Secure-sso=${token}` } })).status).toBe(401);

    // The person is still signed in: the next renewal signs with the new key at once, and app 2 accepts it.
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const fresh = b.cookie('__Secure-sso')!;
    expect(kidOf(fresh)).toBe(replacement);
    expect((await me(fresh)).status).toBe(200);
  });

  it('npm run keys:withdraw names the key, refuses an unknown one with the list, and keeps the file 0600', async () => {
    const env = { ...process.env, ...domain.env };
    const keyFile = path.join(domain.dataDir, 'signing-keys.json');
    const { keys } = JSON.parse(await readFile(keyFile, 'utf8')) as { keys: { kid: string }[] };
    let failed: { status: number; stderr: string } | null = null;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys-withdraw.ts', 'no-such-kid'], { cwd: repoRoot, env, stdio: 'pipe' });
    } catch (err) {
      failed = { status: (err as { status: number }).status, stderr: String((err as { stderr: Buffer }).stderr) };
    }
    expect(failed?.status).toBe(1);
    expect(failed?.stderr).toContain(`No signing key no-such-kid`);
    expect(failed?.stderr).toContain(keys[0]!.kid);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys-withdraw.ts', keys[0]!.kid], { cwd: repoRoot, env }).toString();
    // A kid may begin with '-' (base64url): it is looked up as a kid, not refused as an option.
    let dashed = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys-withdraw.ts', '-not-a-kid'], { cwd: repoRoot, env, stdio: 'pipe' });
    } catch (err) {
      dashed = String((err as { stderr: Buffer }).stderr);
    }
    expect(dashed).toContain('No signing key -not-a-kid');
    expect(out).toContain(`Withdrew signing key ${keys[0]!.kid}`);
    const { mode } = await import('node:fs/promises').then((fs) => fs.stat(keyFile));
    expect(mode & 0o777).toBe(0o600);
  });
});
