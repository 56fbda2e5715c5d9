import { serialize, type SerializeOptions } from 'cookie';
import { SessionError } from './errors';

/** Default name of the domain token cookie. */
export const DEFAULT_COOKIE_NAME = '__Secure-sso';

export interface CookieControllerOptions {
  /** Cookie name; `__Secure-` and `__Host-` prefixes are checked against the attributes. */
  name?: string;
  /** Parent domain shared by every app (`sso.localhost`); omit for a host-only cookie. */
  domain?: string;
  path?: string;
  secure?: boolean;
  sameSite?: 'lax' | 'strict';
}

/** The outcome of reading one cookie from a `Cookie` header. */
export type CookieRead =
  | { status: 'absent' }
  | { status: 'present'; value: string }
  /** Sent more than once with different values: someone planted one. */
  | { status: 'ambiguous' };

/**
 * Owns one cookie's name and attributes, so setting and clearing can never
 * disagree (a clear with another Domain or Path leaves the cookie in place).
 */
export interface CookieController {
  readonly name: string;
  readonly attributes: Readonly<Omit<SerializeOptions, 'maxAge' | 'expires'>>;
  /** A `Set-Cookie` value holding `value`, living `maxAgeSeconds`. */
  serialize(value: string, maxAgeSeconds: number): string;
  /** A `Set-Cookie` value that deletes the cookie, with the same attributes it was set with. */
  serializeClear(): string;
  /** Reads this cookie from a raw `Cookie` header, noticing duplicates. */
  read(cookieHeader: string | undefined): CookieRead;
}

export function createCookieController(options: CookieControllerOptions = {}): CookieController {
  const name = options.name ?? DEFAULT_COOKIE_NAME;
  const attributes = {
    domain: options.domain,
    path: options.path ?? '/',
    httpOnly: true,
    secure: options.secure ?? true,
    sameSite: options.sameSite ?? 'lax',
  } as const;

  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new SessionError('CONFIG_INVALID', `Cookie name "${name}" is not a valid token.`);
  }
  if (name.startsWith('__Secure-') && !attributes.secure) {
    throw new SessionError('CONFIG_INVALID', `Cookie "${name}" has the __Secure- prefix, so it must be Secure.`);
  }
  if (name.startsWith('__Host-') && (!attributes.secure || attributes.domain || attributes.path !== '/')) {
    throw new SessionError('CONFIG_INVALID', `Cookie "${name}" has the __Host- prefix: it must be Secure, Path=/ and have no Domain.`);
  }
  if (attributes.domain !== undefined && (attributes.domain === 'localhost' || !attributes.domain.includes('.'))) {
    throw new SessionError(
      'CONFIG_INVALID',
      `Cookie domain "${attributes.domain}" is refused by browsers. Use a parent domain with a dot, such as "sso.localhost".`,
    );
  }

  return {
    name,
    attributes,
    serialize: (value, maxAgeSeconds) => serialize(name, value, { ...attributes, maxAge: maxAgeSeconds }),
    serializeClear: () => serialize(name, '', { ...attributes, maxAge: 0, expires: new Date(0) }),
    read(cookieHeader) {
      const values = readAll(cookieHeader, name);
      if (values.length === 0) return { status: 'absent' };
      const first = values[0]!;
      if (values.some((v) => v !== first)) return { status: 'ambiguous' };
      return { status: 'present', value: first };
    },
  };
}

/**
 * Every value sent for `name`. Browsers send one entry per stored cookie, so a
 * sibling subdomain that planted a same-named cookie (say with a narrower Path)
 * shows up as a second entry, usually first in line.
 *
 * Every pair is read: a cap on the number of pairs would let a planted cookie
 * placed after the cap escape the duplicate check. One linear pass, and the
 * header itself is bounded by the server (Node: 16 KiB of headers by default).
 */
export function readAll(cookieHeader: string | undefined, name: string): string[] {
  if (!cookieHeader) return [];
  const values: string[] = [];
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
