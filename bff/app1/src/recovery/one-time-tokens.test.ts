import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLowdbStore } from '../storage/lowdb-store';
import { ONE_TIME_TOKEN_IN_TEXT, createOneTimeTokens, hashToken, purposeOf } from './one-time-tokens';

describe('one-time tokens: the email purposes (ADR 030)', () => {
  let dir: string;
  let store: Awaited<ReturnType<typeof openLowdbStore>>;
  let clock = 0;
  const now = () => clock;
  beforeEach(async () => {
    clock = Date.parse('2026-03-01T12:00:00Z');
    dir = await mkdtemp(path.join(tmpdir(), 'ott-'));
    store = await openLowdbStore(dir, { now });
  });
  afterEach(async () => {
    await store.flush();
    await rm(dir, { recursive: true, force: true });
  });
  const tokens = () => createOneTimeTokens(store.oneTimeTokens, { ttlSeconds: 1800, emailTtlSeconds: 86_400, now });

  it('an email-verify token carries its address, is stored only as a hash, and is redeemed once', async () => {
    const t = tokens();
    const token = await t.issue('usr_a', 'email-verify', 'a@example.test');
    expect(token).toMatch(/^vfy_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await store.oneTimeTokens.findLive('usr_a', 'email-verify', now()))).not.toContain(token);
    expect(await store.oneTimeTokens.findLive('usr_a', 'email-verify', now())).toMatchObject({ hash: hashToken(token), email: 'a@example.test' });
    const first = await t.consume(token, 'email-verify');
    expect(first).toMatchObject({ ok: true, record: { userId: 'usr_a', purpose: 'email-verify', email: 'a@example.test', usedAt: now() } });
    expect(await t.consume(token, 'email-verify')).toEqual({ ok: false, code: 'used' });
  });

  it('email links live SSO_EMAIL_TOKEN_TTL (a day here), reset links their own 30 minutes', async () => {
    const t = tokens();
    const verify = await t.issue('usr_a', 'email-verify', 'a@example.test');
    const reset = await t.issue('usr_a', 'password-reset');
    clock += 1801_000;
    expect(await t.consume(reset, 'password-reset')).toEqual({ ok: false, code: 'expired' });
    clock += 86_400_000 - 1801_000 - 1;
    expect((await t.consume(verify, 'email-verify')).ok).toBe(true);
    const late = await t.issue('usr_b', 'email-change', 'b@example.test');
    clock += 86_400_000;
    expect(await t.consume(late, 'email-change')).toEqual({ ok: false, code: 'expired' });
  });

  it('a newer token voids the older of the same purpose only: a resend does not void a pending change', async () => {
    const t = tokens();
    const change = await t.issue('usr_a', 'email-change', 'new@example.test');
    const verify1 = await t.issue('usr_a', 'email-verify', 'a@example.test');
    const verify2 = await t.issue('usr_a', 'email-verify', 'a@example.test');
    expect(await t.consume(verify1, 'email-verify')).toEqual({ ok: false, code: 'invalid' });
    expect((await t.consume(verify2, 'email-verify')).ok).toBe(true);
    expect(await t.findLive('usr_a', 'email-change')).toMatchObject({ email: 'new@example.test' });
    expect((await t.consume(change, 'email-change')).ok).toBe(true);
    expect(await t.findLive('usr_a', 'email-change')).toBe(null);
  });

  it('a token redeems only for its own purpose, whatever the prefix says', async () => {
    const t = tokens();
    const verify = await t.issue('usr_a', 'email-verify', 'a@example.test');
    expect(await t.consume(verify, 'email-change')).toEqual({ ok: false, code: 'invalid' });
    expect(await t.consume(verify, 'password-reset')).toEqual({ ok: false, code: 'invalid' });
    expect(await t.consume(`chg_${verify.slice(4)}`, 'email-change')).toEqual({ ok: false, code: 'invalid' });
    expect((await t.consume(verify, 'email-verify')).ok).toBe(true);
  });

  it('20 concurrent redemptions of one email link: exactly one succeeds', async () => {
    const t = tokens();
    const token = await t.issue('usr_a', 'email-change', 'new@example.test');
    const results = await Promise.all(Array.from({ length: 20 }, () => t.consume(token, 'email-change')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === 'used')).toHaveLength(19);
  });

  it('purposeOf reads the prefix; the log redaction pattern finds every purpose', async () => {
    const t = tokens();
    for (const purpose of ['password-reset', 'email-verify', 'email-change'] as const) {
      const token = await t.issue('usr_c', purpose, purpose === 'password-reset' ? null : 'c@example.test');
      expect(purposeOf(token)).toBe(purpose);
      expect(`GET /x/${token}?t=${token}`.replace(ONE_TIME_TOKEN_IN_TEXT, '[redacted]')).toBe('GET /x/[redacted]?t=[redacted]');
    }
    expect(purposeOf('abc_x')).toBe(null);
  });
});
