import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSessionsResponseSchema, EndSessionsResponseSchema, ProblemSchema, type DeviceSession } from '@sso/types';
import { Browser, startDomain, type Domain } from './harness';

/*
 * "Your devices": the account page lists the signed-in person's live
 * sessions (browser, OS, address through TRUST_PROXY, signed in, last
 * active, this device) and ends one or all others. Ending goes through the
 * revocation feed, so app 2 refuses the ended session's token within a poll.
 */

const PASSWORD = 'correct horse battery';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

let domain: Domain;
beforeAll(async () => {
  // Behind one proxy hop: X-Forwarded-For names the client.
  domain = await startDomain({ env: { TRUST_PROXY: '1' } });
});
afterAll(() => domain.stop());

let n = 0;
const newName = (p: string) => `${p}${++n}`;

async function signUp(username: string, device: { ua?: string; xff?: string } = {}): Promise<Browser> {
  const b = new Browser(domain);
  const res = await b.request('app1', '/api/signup', { json: { username, password: PASSWORD }, headers: headersOf(device) });
  expect(res.status).toBe(201);
  return b;
}

async function signIn(username: string, device: { ua?: string; xff?: string } = {}): Promise<Browser> {
  const b = new Browser(domain);
  const res = await b.request('app1', '/api/login', { json: { username, password: PASSWORD }, headers: headersOf(device) });
  expect(res.status).toBe(200);
  return b;
}

function headersOf(device: { ua?: string; xff?: string }): Record<string, string> {
  return { ...(device.ua ? { 'user-agent': device.ua } : {}), ...(device.xff ? { 'x-forwarded-for': device.xff } : {}) };
}

async function devices(b: Browser): Promise<DeviceSession[]> {
  const res = await b.request('app1', '/api/account/sessions');
  expect(res.status).toBe(200);
  return DeviceSessionsResponseSchema.parse(res.body).sessions;
}

const sidOf = async (b: Browser) => (await b.request('app1', '/api/session')).body.session.id as string;
const endOne = (b: Browser, id: string) => b.request('app1', '/api/account/sessions/end', { json: { id } });
const endOthers = (b: Browser) => b.request('app1', '/api/account/sessions/end-others', { json: {} });

/** Polls app 2 with this browser until it is refused; how long that took. */
async function refusedAtApp2Within(b: Browser, limitMs: number): Promise<number> {
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < limitMs + 1000) {
    status = (await b.request('app2', '/api/me')).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 20));
  }
  expect(status).toBe(401);
  return Date.now() - started;
}

describe('listing your devices', () => {
  it('lists every live session of the account with browser, OS and the forwarded address, this device first', async () => {
    const name = newName('lister');
    const laptop = await signUp(name, { ua: CHROME_LINUX, xff: '203.0.113.7' });
    const phone = await signIn(name, { ua: SAFARI_IPHONE, xff: '198.51.100.23' });
    await signIn(name, { ua: FIREFOX_WINDOWS, xff: '2001:db8::1' });
    // Someone else's session is never listed.
    await signUp(newName('stranger'), { ua: CHROME_LINUX });

    const seen = await devices(phone);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatchObject({ current: true, browser: 'Safari 18', os: 'iOS 18.1', address: '198.51.100.23' });
    expect(seen.filter((d) => d.current)).toHaveLength(1);
    expect(seen.slice(1).map((d) => [d.browser, d.os, d.address]).sort()).toEqual([
      ['Chrome 156', 'Linux', '203.0.113.7'],
      ['Firefox 140', 'Windows 10', '2001:db8::1'],
    ]);
    for (const d of seen) {
      expect(Date.parse(d.createdAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(Date.parse(d.lastActiveAt)).toBeGreaterThanOrEqual(Date.parse(d.createdAt));
    }
    expect((await devices(laptop)).find((d) => d.current)?.id).toBe(await sidOf(laptop));
  });

  it('shows a session without a User-Agent as unknown, and caps a huge one', async () => {
    const name = newName('bare');
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: name, password: PASSWORD }, headers: { 'user-agent': '' } })).status).toBe(201);
    expect((await devices(b))[0]).toMatchObject({ browser: null, os: null, address: '127.0.0.1' });
    const big = await signIn(name, { ua: `${CHROME_LINUX} ${'x'.repeat(6000)}` });
    expect((await devices(big))[0]).toMatchObject({ browser: 'Chrome 156', os: 'Linux' });
  });

  it('the last-active time moves when the session renews', async () => {
    const b = await signUp(newName('renewer'));
    const before = (await devices(b))[0]!;
    await new Promise((r) => setTimeout(r, 20));
    expect((await b.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    const after = (await devices(b))[0]!;
    expect(after.id).toBe(before.id);
    expect(Date.parse(after.lastActiveAt)).toBeGreaterThan(Date.parse(before.lastActiveAt));
  });

  it('needs a signed-in browser: 401 without one', async () => {
    const res = await new Browser(domain).request('app1', '/api/account/sessions');
    expect(res.status).toBe(401);
    expect(ProblemSchema.parse(res.body).code).toBe('UNAUTHENTICATED');
  });
});

describe('ending a device', () => {
  it('ends the other session: app 2 refuses its token within 2 s, its renewal says why, this device stays signed in', async () => {
    const name = newName('ender');
    const mine = await signUp(name, { ua: CHROME_LINUX });
    const lost = await signIn(name, { ua: SAFARI_IPHONE });
    expect((await lost.request('app2', '/api/me')).status).toBe(200);
    const lostId = await sidOf(lost);

    const res = await endOne(mine, lostId);
    expect(res.status).toBe(200);
    expect(EndSessionsResponseSchema.parse(res.body)).toEqual({ ended: 1 });

    expect(await refusedAtApp2Within(lost, 2000)).toBeLessThan(2000);
    const renew = await lost.request('app1', '/api/session/refresh', { json: {} });
    expect(renew.status).toBe(401);
    expect(ProblemSchema.parse(renew.body)).toMatchObject({ code: 'SESSION_ENDED', reason: 'signed-out-everywhere' });
    expect((await mine.request('app2', '/api/me')).status).toBe(200);
    expect((await devices(mine)).map((d) => d.id)).toEqual([await sidOf(mine)]);
  });

  it("refuses to end another account's session (404, the same as an unknown id) and that session lives on", async () => {
    const victim = await signUp(newName('victim'));
    const victimId = await sidOf(victim);
    const attacker = await signUp(newName('attacker'));
    for (const id of [victimId, 'ses_does-not-exist']) {
      const res = await endOne(attacker, id);
      expect(res.status).toBe(404);
      expect(ProblemSchema.parse(res.body).code).toBe('NOT_FOUND');
    }
    expect((await endOthers(attacker)).body).toEqual({ ended: 0 });
    await new Promise((r) => setTimeout(r, 300)); // past a feed poll
    expect((await victim.request('app2', '/api/me')).status).toBe(200);
    expect((await victim.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
  });

  it('a page on another origin cannot end sessions (403 FORBIDDEN_ORIGIN), nor a form post (415)', async () => {
    const name = newName('csrf');
    const mine = await signUp(name);
    const other = await signIn(name);
    const otherId = await sidOf(other);
    const evil = await mine.request('app1', '/api/account/sessions/end', { json: { id: otherId }, origin: 'http://evil.sso.localhost:3009' });
    expect(evil.status).toBe(403);
    expect(ProblemSchema.parse(evil.body).code).toBe('FORBIDDEN_ORIGIN');
    const everyone = await mine.request('app1', '/api/account/sessions/end-others', { json: {}, origin: 'https://attacker.example' });
    expect(everyone.status).toBe(403);
    const form = await mine.request('app1', '/api/account/sessions/end', { rawBody: `id=${otherId}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    expect((await devices(mine))).toHaveLength(2);
  });

  it('this device is not ended from the list (400: sign out instead); a bad body is a 400', async () => {
    const b = await signUp(newName('self'));
    const res = await endOne(b, await sidOf(b));
    expect(res.status).toBe(400);
    expect(ProblemSchema.parse(res.body).errors?.id).toBeDefined();
    for (const json of [{}, { id: 42 }, { id: 'x'.repeat(500) }]) {
      const bad = await b.request('app1', '/api/account/sessions/end', { json });
      expect(bad.status).toBe(400);
      expect(ProblemSchema.parse(bad.body).code).toBe('VALIDATION_FAILED');
    }
    expect((await b.request('app2', '/api/me')).status).toBe(200);
  });

  it('"end all others" ends every other session, even under a concurrent burst, and keeps this one', async () => {
    const name = newName('burst');
    const mine = await signUp(name);
    const others: Browser[] = [];
    // One at a time: password checks in flight per account are limited to one.
    for (let i = 0; i < 5; i++) others.push(await signIn(name));
    const ids = await Promise.all(others.map(sidOf));
    // Both ways at once, from this device: end-others twice and each session one by one.
    const results = await Promise.all([endOthers(mine), endOthers(mine), ...ids.map((id) => endOne(mine, id))]);
    for (const r of results) expect([200, 404]).toContain(r.status);
    const ended = results.filter((r) => r.status === 200).reduce((sum, r) => sum + EndSessionsResponseSchema.parse(r.body).ended, 0);
    expect(ended).toBe(5); // each session ended exactly once
    expect((await devices(mine)).map((d) => d.id)).toEqual([await sidOf(mine)]);
    await Promise.all(others.map((b) => refusedAtApp2Within(b, 2000)));
    expect((await mine.request('app2', '/api/me')).status).toBe(200);
  });
});

describe('without TRUST_PROXY', () => {
  it('the address is the connection, not a forged X-Forwarded-For', async () => {
    const direct = await startDomain({ withApp2: false });
    try {
      const b = new Browser(direct);
      const res = await b.request('app1', '/api/signup', { json: { username: 'forger', password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.99' } });
      expect(res.status).toBe(201);
      const list = DeviceSessionsResponseSchema.parse((await b.request('app1', '/api/account/sessions')).body).sessions;
      expect(list[0]?.address).toBe('127.0.0.1');
    } finally {
      await direct.stop();
    }
  });
});
