import { createHash, randomInt } from 'node:crypto';

/**
 * Recovery codes: ten single-use codes shown once, for when the
 * authenticator is lost. Each is 16 characters of a 32-letter alphabet
 * without look-alikes (80 random bits), so a fast hash is enough to store
 * them: no offline search of a database dump can cover 2^80 (as with the
 * refresh tokens). Typed in any case, with or without dashes and spaces.
 */
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's Base32 letters: no i, l, o or u. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUPS = 4;
const GROUP_LENGTH = 4;

function oneCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** Ten fresh codes, as shown to the person (`abcd-efgh-jkmn-pqrs`). */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(oneCode());
  return [...codes];
}

/** The canonical form: lower case, no dashes or spaces; null when it cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | null {
  const canonical = input.toLowerCase().replace(/[\s-]/g, '');
  if (canonical.length !== GROUPS * GROUP_LENGTH) return null;
  for (const ch of canonical) if (!ALPHABET.includes(ch)) return null;
  return canonical;
}

/** What is stored of a code: SHA-256 of its canonical form. */
export function hashRecoveryCode(code: string): string | null {
  const canonical = normalizeRecoveryCode(code);
  return canonical === null ? null : createHash('sha256').update(canonical).digest('base64url');
}
