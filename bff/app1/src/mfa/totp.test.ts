import { describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { matchTotp, newTotpSecret, totpCodeAt, totpStep, totpUri } from './totp';

// RFC 6238 appendix B: the SHA-1 test secret "12345678901234567890" (ASCII).
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

describe('totp', () => {
  it('computes the RFC 6238 SHA-1 test vectors (last 6 digits)', () => {
    expect(totpCodeAt(RFC_SECRET, 59_000)).toBe('287082');
    expect(totpCodeAt(RFC_SECRET, 1_111_111_109_000)).toBe('081804');
    expect(totpCodeAt(RFC_SECRET, 2_000_000_000_000)).toBe('279037');
  });

  it('accepts the code of the current step, and of one step either side, returning the step it matched', () => {
    const secret = newTotpSecret();
    const step = totpStep(T0);
    expect(matchTotp(secret, totpCodeAt(secret, T0), T0)).toBe(step);
    expect(matchTotp(secret, totpCodeAt(secret, T0 - 30_000), T0)).toBe(step - 1);
    expect(matchTotp(secret, totpCodeAt(secret, T0 + 30_000), T0)).toBe(step + 1);
  });

  it('refuses codes two steps away, another secret\'s code, and anything but six digits', () => {
    const secret = newTotpSecret();
    const far = totpCodeAt(secret, T0 - 60_000);
    if (far !== totpCodeAt(secret, T0) && far !== totpCodeAt(secret, T0 - 30_000) && far !== totpCodeAt(secret, T0 + 30_000)) {
      expect(matchTotp(secret, far, T0)).toBeNull();
    }
    const other = newTotpSecret();
    const foreign = totpCodeAt(other, T0);
    const mine = [-30_000, 0, 30_000].map((d) => totpCodeAt(secret, T0 + d));
    if (!mine.includes(foreign)) expect(matchTotp(secret, foreign, T0)).toBeNull();
    expect(matchTotp(secret, `${totpCodeAt(secret, T0)}0`, T0)).toBeNull();
    expect(matchTotp(secret, ` ${totpCodeAt(secret, T0).slice(1)}`, T0)).toBeNull();
    expect(matchTotp(secret, '', T0)).toBeNull();
  });

  it('makes secrets of 160 random bits, in Base32, each different', () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(a);
  });

  it('builds an otpauth URI that authenticator apps read back as SHA-1, 6 digits, 30 s', () => {
    const secret = newTotpSecret();
    const uri = totpUri(secret, 'alice', 'app1.sso.localhost');
    expect(uri.startsWith('otpauth://totp/app1.sso.localhost:alice?')).toBe(true);
    const params = new URL(uri).searchParams;
    expect(params.get('secret')).toBe(secret);
    expect(params.get('algorithm')).toBe('SHA1');
    expect(params.get('digits')).toBe('6');
    expect(params.get('period')).toBe('30');
  });
});
