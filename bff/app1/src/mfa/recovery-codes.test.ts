import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes';

describe('recovery codes', () => {
  it('makes ten different codes of four groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect(newRecoveryCodes()).not.toEqual(codes);
  });

  it('hashes a code the same however it is typed (case, dashes, spaces)', () => {
    const [code] = newRecoveryCodes() as [string];
    const hash = hashRecoveryCode(code);
    expect(hash).not.toBeNull();
    expect(hashRecoveryCode(code.toUpperCase())).toBe(hash);
    expect(hashRecoveryCode(code.replaceAll('-', ''))).toBe(hash);
    expect(hashRecoveryCode(` ${code.replaceAll('-', ' ')} `)).toBe(hash);
  });

  it('never stores the code itself, and different codes hash differently', () => {
    const [a, b] = newRecoveryCodes() as [string, string];
    expect(hashRecoveryCode(a)).not.toContain(normalizeRecoveryCode(a));
    expect(hashRecoveryCode(a)).not.toBe(hashRecoveryCode(b));
  });

  it('refuses what cannot be a code: wrong length, letters outside the alphabet', () => {
    expect(hashRecoveryCode('abcd-efgh-jkmn')).toBeNull();
    expect(hashRecoveryCode('abcd-efgh-jkmn-pqrs-tvwx')).toBeNull();
    expect(hashRecoveryCode('iiii-llll-oooo-uuuu')).toBeNull();
    expect(hashRecoveryCode('123456')).toBeNull();
  });
});
