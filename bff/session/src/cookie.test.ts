import { describe, expect, it } from 'vitest';
import { createCookieController, readAll } from './cookie';

describe('cookie controller', () => {
  const cookie = createCookieController({ domain: 'sso.localhost' });

  it('sets the domain cookie with Domain, Path=/, HttpOnly, Secure and SameSite=Lax', () => {
    const header = cookie.serialize('tok', 600);
    expect(header).toBe('__Secure-sso=tok; Max-Age=600; Domain=sso.localhost; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it('clears with exactly the attributes it set', () => {
    const set = cookie.serialize('tok', 600).split('; ').filter((a) => !a.startsWith('Max-Age') && !a.startsWith('__Secure-sso='));
    const clear = cookie.serializeClear().split('; ');
    expect(clear[0]).toBe('__Secure-sso=');
    expect(clear).toContain('Max-Age=0');
    expect(clear).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    for (const attr of set) expect(clear).toContain(attr);
  });

  it('refuses bare localhost and prefix/attribute mismatches at creation', () => {
    expect(() => createCookieController({ domain: 'localhost' })).toThrow(/refused by browsers/);
    expect(() => createCookieController({ name: '__Secure-x', secure: false })).toThrow(/must be Secure/);
    expect(() => createCookieController({ name: '__Host-x', domain: 'sso.localhost' })).toThrow(/no Domain/);
    expect(() => createCookieController({ name: 'bad name' })).toThrow(/not a valid token/);
  });

  it('reads the cookie among others, and reports absence', () => {
    expect(cookie.read('a=1; __Secure-sso=tok; b=2')).toEqual({ status: 'present', value: 'tok' });
    expect(cookie.read('a=1')).toEqual({ status: 'absent' });
    expect(cookie.read(undefined)).toEqual({ status: 'absent' });
  });

  it('treats two different values of the cookie as ambiguous, so a planted cookie never wins', () => {
    expect(cookie.read('__Secure-sso=planted; __Secure-sso=real')).toEqual({ status: 'ambiguous' });
    expect(cookie.read('__Secure-sso=same; __Secure-sso=same')).toEqual({ status: 'present', value: 'same' });
  });

  it('readAll survives garbage and huge headers', () => {
    expect(readAll(';;;===; =x; __Secure-sso', '__Secure-sso')).toEqual([]);
    expect(readAll(`${'x=y; '.repeat(5000)}__Secure-sso=late`, '__Secure-sso')).toEqual(['late']);
    expect(readAll(';'.repeat(16_000), '__Secure-sso')).toEqual([]);
  });

  it.each([199, 200, 1000])('notices a second cookie of the same name after %i other pairs', (others) => {
    const padding = Array.from({ length: others }, (_, i) => `c${i}=v`).join('; ');
    expect(cookie.read(`__Secure-sso=real; ${padding}; __Secure-sso=planted`)).toEqual({ status: 'ambiguous' });
    expect(cookie.read(`${padding}; __Secure-sso=planted; __Secure-sso=real`)).toEqual({ status: 'ambiguous' });
  });
});
