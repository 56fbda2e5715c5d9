import { z } from 'zod';
import { ConfigError, envSeconds, redactDatabaseUrl } from '@sso/bff-common';

const unset = (v: unknown) => (v === '' ? undefined : v);
const count = (fallback: number) =>
  z.preprocess(unset, z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000).default(fallback));

/** The mail and account-recovery variables of app 1 (merged into its EnvSchema). */
export const MailEnvSchema = {
  MAIL_TRANSPORT: z.preprocess(unset, z.enum(['file', 'smtp'], { error: 'must be "file" (DATA_DIR/outbox) or "smtp"' }).default('file')),
  // Checked in resolveMailConfig, which never echoes the password.
  SMTP_URL: z.preprocess(unset, z.string().optional()),
  MAIL_FROM: z.preprocess(unset, z.string().max(320).optional()),
  /** How long a reset link works. */
  SSO_RESET_TOKEN_TTL: envSeconds(30 * 60, 60, 24 * 3600),
  /** "Forgot password" requests per client address in 15 min (answered 429 past it). */
  SSO_RESET_REQUESTS_PER_ADDRESS: count(10),
  /** Reset mails per account in an hour (past it the answer is the same 202, and no mail is sent). */
  SSO_RESET_MAILS_PER_ACCOUNT: count(3),
};

export interface MailConfig {
  readonly mailTransport: 'file' | 'smtp';
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly resetTokenTtlSeconds: number;
  readonly resetRequestsPerAddress: number;
  readonly resetMailsPerAccount: number;
}

export function resolveMailConfig(
  e: { MAIL_TRANSPORT: 'file' | 'smtp'; SMTP_URL?: string | undefined; MAIL_FROM?: string | undefined; SSO_RESET_TOKEN_TTL: number; SSO_RESET_REQUESTS_PER_ADDRESS: number; SSO_RESET_MAILS_PER_ACCOUNT: number },
  cookieDomain: string,
  service: string,
): MailConfig {
  let smtpUrl: string | null = null;
  if (e.MAIL_TRANSPORT === 'smtp') {
    if (!e.SMTP_URL) {
      throw new ConfigError(`${service} cannot start: MAIL_TRANSPORT=smtp needs SMTP_URL, such as smtps://user:password@mail.example.com:465. Set it, or unset MAIL_TRANSPORT to write mail to DATA_DIR/outbox.`);
    }
    let protocol = '';
    try {
      protocol = new URL(e.SMTP_URL).protocol;
    } catch {
      /* reported below */
    }
    if (protocol !== 'smtp:' && protocol !== 'smtps:') {
      throw new ConfigError(`${service} cannot start: SMTP_URL (${redactDatabaseUrl(e.SMTP_URL)}) must be an smtp:// or smtps:// URL, such as smtps://user:password@mail.example.com:465.`);
    }
    smtpUrl = e.SMTP_URL;
  }
  const mailFrom = e.MAIL_FROM ?? `no-reply@${cookieDomain}`;
  if (/[\r\n]/.test(mailFrom) || !mailFrom.includes('@')) {
    throw new ConfigError(`${service} cannot start: MAIL_FROM must be one address, such as "Sign-in <no-reply@example.com>" or no-reply@example.com.`);
  }
  return {
    mailTransport: e.MAIL_TRANSPORT,
    smtpUrl,
    mailFrom,
    resetTokenTtlSeconds: e.SSO_RESET_TOKEN_TTL,
    resetRequestsPerAddress: e.SSO_RESET_REQUESTS_PER_ADDRESS,
    resetMailsPerAccount: e.SSO_RESET_MAILS_PER_ACCOUNT,
  };
}
