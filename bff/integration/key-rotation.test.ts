import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_ACTIVATION_DELAY_SECONDS, rotateKeySet } from '@sso/session';
import { Browser, startDomain, type Domain } from './harness';

const PASSWORD = 'correct horse battery';
let domain: Domain;
let clock = Date.now();
beforeAll(async () => {
  // One clock for both apps, so the activation delay and the relying app's
  // refetch cooldown can be walked through without waiting a minute.
  domain = await startDomain({ app1: { now: () => clock }, app2: { now: () => clock } });
});
afterAll(() => domain.stop());

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

describe('key rotation with both apps running', () => {
  it('old tokens keep working, the new key signs after its delay, and app 2 picks it up without a restart', async () => {
    const before = new Browser(domain);
    await before.request('app1', '/api/signup', { json: { username: 'rotation', password: PASSWORD } });
    const oldKid = kidOf(before.cookie('__Secure-sso')!);
    expect((await before.request('app2', '/api/me')).status).toBe(200);

    const { kid } = await rotateKeySet({ dir: domain.dataDir, retainSeconds: 605, activationDelaySeconds: KEY_ACTIVATION_DELAY_SECONDS, now: () => clock });
    expect(await domain.app1.context.keys!.reload()).toBe(true);
    const jwks = await (await fetch(`${domain.urls.app1}/.well-known/jwks.json`)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([oldKid, kid]));

    // Within the delay, new tokens still use the old key.
    const during = new Browser(domain);
    await during.request('app1', '/api/login', { json: { username: 'rotation', password: PASSWORD } });
    expect(kidOf(during.cookie('__Secure-sso')!)).toBe(oldKid);

    clock += (KEY_ACTIVATION_DELAY_SECONDS + 1) * 1000;
    const after = new Browser(domain);
    await after.request('app1', '/api/login', { json: { username: 'rotation', password: PASSWORD } });
    expect(kidOf(after.cookie('__Secure-sso')!)).toBe(kid);
    expect((await after.request('app2', '/api/me')).status).toBe(200);
    // A token signed before the rotation still verifies.
    expect((await during.request('app2', '/api/me')).status).toBe(200);
  });
});
