import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createCookieController, type CookieController } from '@sso/session';

/**
 * A sign-in whose password passed and whose second factor has not yet: a
 * signed, host-only, SameSite=Strict cookie on app 1 that lives a few
 * minutes. It is no session: no domain token, no refresh cookie exist until
 * the second factor passes, and no other app ever sees it. It names the
 * account, carries a random id (the attempts of one pending sign-in are
 * counted under it) and a tag of the password hash, so a password changed
 * meanwhile ends it.
 */
export const PENDING_COOKIE_NAME = '__Host-sso-mfa';
const VERSION = 'p1';

export interface PendingSignIn {
  id: string;
  userId: string;
  /** ms since epoch. */
  expiresAt: number;
}

export interface PendingSignIns {
  readonly cookie: CookieController;
  readonly ttlSeconds: number;
  /** A new pending sign-in and its `Set-Cookie` value. */
  issue(user: { id: string; passwordHash: string }): { pending: PendingSignIn; setCookie: string };
  /** The pending sign-in in this request, if its signature holds, it has not expired and the password is unchanged. */
  read(cookieHeader: string | undefined, passwordHashOf: (userId: string) => Promise<string | null>): Promise<PendingSignIn | null>;
  clear(): string;
}

/** `name`: another pending step with its own cookie and key (the "check your inbox" step of ADR 030). */
export function createPendingSignIns(options: { key: Buffer; ttlSeconds: number; now: () => number; name?: string }): PendingSignIns {
  const cookie = createCookieController({ name: options.name ?? PENDING_COOKIE_NAME, sameSite: 'strict' });
  const mac = (payload: string) => createHmac('sha256', options.key).update(`pending-sign-in\0${payload}`).digest();
  const passwordTag = (hash: string) => mac(`password\0${hash}`).subarray(0, 12).toString('base64url');
  return {
    cookie,
    ttlSeconds: options.ttlSeconds,
    issue(user) {
      const pending = { id: randomBytes(16).toString('base64url'), userId: user.id, expiresAt: options.now() + options.ttlSeconds * 1000 };
      const payload = [VERSION, pending.id, Buffer.from(user.id).toString('base64url'), String(pending.expiresAt), passwordTag(user.passwordHash)].join('.');
      return { pending, setCookie: cookie.serialize(`${payload}.${mac(payload).toString('base64url')}`, options.ttlSeconds) };
    },
    async read(cookieHeader, passwordHashOf) {
      const read = cookie.read(cookieHeader);
      if (read.status !== 'present') return null;
      const parts = read.value.split('.');
      if (parts.length !== 6 || parts[0] !== VERSION) return null;
      const [, id, user, expires, tag, signature] = parts as [string, string, string, string, string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(parts.slice(0, 5).join('.'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const expiresAt = Number(expires);
      if (!Number.isSafeInteger(expiresAt) || options.now() >= expiresAt) return null;
      const userId = Buffer.from(user, 'base64url').toString();
      const hash = await passwordHashOf(userId);
      if (hash === null || passwordTag(hash) !== tag) return null;
      return { id, userId, expiresAt };
    },
    clear: () => cookie.serializeClear(),
  };
}
