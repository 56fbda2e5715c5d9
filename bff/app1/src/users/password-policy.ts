import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The ~49,000 most common passwords of zxcvbn-ts's common dictionary (from
 * leaked-password corpora), lowercase. Checked here only: the list is
 * hundreds of kilobytes and must stay out of the SPA bundle.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common']);

export const COMMON_PASSWORD_MESSAGE = 'This password is too common: it is on the lists attackers try first. Choose another.';
export const SAME_PASSWORD_MESSAGE = 'Choose a new password, not your current one.';

/** True when `password` is on the common-password list, in any letter case ("PassWord1" too). */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/**
 * For parseBody's `alsoCheck`: a common password in `field` is a field
 * error (the shared schema checks only lengths; this list stays in the BFF).
 */
export function commonPasswordIn(field: string): (body: Record<string, unknown>) => Record<string, string[]> {
  return (body) => {
    const password = body[field];
    return typeof password === 'string' && isCommonPassword(password) ? { [field]: [COMMON_PASSWORD_MESSAGE] } : {};
  };
}
