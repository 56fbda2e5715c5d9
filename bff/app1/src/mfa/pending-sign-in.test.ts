import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPendingSignIns, PENDING_COOKIE_NAME } from './pending-sign-in';
import { createSecretBox } from './secret-box';

function setup() {
  let now = Date.UTC(2026, 11, 4, 12);
  const pending = createPendingSignIns({ key: randomBytes(32), ttlSeconds: 300, now: () => now });
  const user = { id: 'usr_1', passwordHash: '$2b$04$hash' };
  const hashes = new Map([[user.id, user.passwordHash]]);
  const lookup = async (id: string) => hashes.get(id) ?? null;
  const header = (setCookie: string) => setCookie.split(';')[0]!;
  return { pending, user, hashes, lookup, header, advance: (ms: number) => void (now += ms) };
}

describe('pending sign-in cookie', () => {
  it('is host-only, Secure, HttpOnly, SameSite=Strict and lives only the pending lifetime', () => {
    const { pending, user } = setup();
    const { setCookie } = pending.issue(user);
    expect(setCookie.startsWith(`${PENDING_COOKIE_NAME}=`)).toBe(true);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=300/);
  });

  it('reads back what it issued, until it expires', async () => {
    const { pending, user, lookup, header, advance } = setup();
    const issued = pending.issue(user);
    expect(await pending.read(header(issued.setCookie), lookup)).toEqual(issued.pending);
    advance(299_000);
    expect(await pending.read(header(issued.setCookie), lookup)).not.toBeNull();
    advance(1_000);
    expect(await pending.read(header(issued.setCookie), lookup)).toBeNull();
  });

  it('refuses a cookie naming another account or a later expiry (forged signature)', async () => {
    const { pending, user, lookup, header } = setup();
    const value = header(pending.issue(user).setCookie).split('=')[1]!;
    const parts = value.split('.');
    const otherUser = [...parts];
    otherUser[2] = Buffer.from('usr_2').toString('base64url');
    const later = [...parts];
    later[3] = String(Number(parts[3]) + 3_600_000);
    for (const forged of [otherUser, later]) expect(await pending.read(`${PENDING_COOKIE_NAME}=${forged.join('.')}`, lookup)).toBeNull();
  });

  it('ends when the password changed (or the account went) meanwhile', async () => {
    const { pending, user, hashes, lookup, header } = setup();
    const cookie = header(pending.issue(user).setCookie);
    hashes.set(user.id, '$2b$04$another');
    expect(await pending.read(cookie, lookup)).toBeNull();
    hashes.delete(user.id);
    expect(await pending.read(cookie, lookup)).toBeNull();
  });
});

describe('secret box', () => {
  it('opens what it sealed, and nothing sealed under another key or altered', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(createSecretBox(randomBytes(32)).open(sealed)).toBeNull();
    const [v, iv, body, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(box.open([v, iv, flipped.toString('base64url'), tag].join('.'))).toBeNull();
  });
});
