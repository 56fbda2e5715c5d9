import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCookieController, type CookieController } from '@sso/session';

/**
 * OWASP's device cookies: a browser that signed in to an account carries a
 * signed, host-only cookie naming that account, and a sign-in from it is
 * limited on its own (see login-throttle.ts), so an attacker who sprays the
 * account from many addresses cannot lock its owner out. The cookie proves
 * only "this browser knew the password once"; it signs nobody in.
 */
export const DEVICE_COOKIE_NAME = '__Host-sso-device';
/** Long enough to outlive many sessions; browsers cap cookies at 400 days. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;
const SECRET_FILE = 'device-cookie.key';
const VERSION = 'd1';

export interface DeviceCookies {
  readonly cookie: CookieController;
  /** A `Set-Cookie` value marking this browser as known for `username`. */
  issue(username: string): string;
  /** The device id from a valid cookie for `username`, else null (absent, forged, another account). */
  read(cookieHeader: string | undefined, username: string): string | null;
  /** A keyed hash of `value` under a purpose of its own, for choices attackers must not predict. */
  keyedHash(purpose: string, value: string): Buffer;
}

/**
 * The HMAC secret lives in DATA_DIR beside the signing keys (mode 0600,
 * created exclusively on first start, so instances sharing the directory
 * agree on it).
 */
export async function loadDeviceSecret(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, SECRET_FILE);
  try {
    await writeFile(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`);
  }
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  if (secret.length < 32) throw new Error(`${file} holds ${secret.length} bytes, not 32: delete it to generate a new one (known browsers become unknown once).`);
  return secret;
}

export function createDeviceCookies(secret: Buffer): DeviceCookies {
  const cookie = createCookieController({ name: DEVICE_COOKIE_NAME, sameSite: 'strict' });
  const mac = (payload: string) => createHmac('sha256', secret).update(`device-cookie\0${payload}`).digest();
  return {
    cookie,
    issue(username) {
      const payload = `${VERSION}.${Buffer.from(username).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
      return cookie.serialize(`${payload}.${mac(payload).toString('base64url')}`, DEVICE_COOKIE_MAX_AGE_SECONDS);
    },
    read(cookieHeader, username) {
      const read = cookie.read(cookieHeader);
      if (read.status !== 'present') return null;
      const parts = read.value.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) return null;
      const [version, user, id, signature] = parts as [string, string, string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(`${version}.${user}.${id}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return Buffer.from(user, 'base64url').toString() === username ? id : null;
    },
    keyedHash(purpose, value) {
      return createHmac('sha256', secret).update(`${purpose}\0${value}`).digest();
    },
  };
}
