import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KEY_ACTIVATION_DELAY_SECONDS } from '@sso/session';
import { DEFAULT_SESSIONS_PER_USER } from './sessions/session-service';
import { AccessRulesError, createAccessRules, parseAccessRules, type AccessRules } from './authz/access-rules';
import { MailEnvSchema, resolveMailConfig, type MailConfig } from './mail/mail-config';
import { DEFAULT_THROTTLE_LIMITS, type ThrottleLimits } from './users/login-throttle';
import { ConfigError, DomainEnvSchema, envOptional, envOptionalPort, envSeconds, envString, parseEnv, resolveMetricsConfig, type MetricsConfig, resolveDomainConfig, resolveStoreConfig, StoreEnvSchema, type DomainConfig, type StoreConfig } from '@sso/bff-common';
import { DEFAULT_SECOND_FACTOR_LIMITS, type SecondFactorLimits } from './mfa/second-factor-throttle';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVICE = 'App 1 (identity BFF)';

/** A limit: a whole number of at least 1. */
const envCount = (fallback: number) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000_000).default(fallback),
  );

const EnvSchema = DomainEnvSchema.extend({
  SSO_IDLE_TIMEOUT: envSeconds(30 * 60, 60),
  SSO_ABSOLUTE_TIMEOUT: envSeconds(12 * 60 * 60, 60),
  SSO_REFRESH_GRACE: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(0).max(60, 'must be at most 60 seconds (longer weakens theft detection)').default(10),
  ),
  /** A rotated-in key signs this long after it is published (ADR 010): at least the relying apps' 30 s refetch cooldown. */
  SSO_KEY_ACTIVATION_DELAY: envSeconds(KEY_ACTIVATION_DELAY_SECONDS, 30, 3600),
  SSO_LOGIN_FAILURES_PER_USER_ADDRESS: envCount(DEFAULT_THROTTLE_LIMITS.perUserAddress.failures),
  SSO_LOGIN_FAILURES_PER_ADDRESS: envCount(DEFAULT_THROTTLE_LIMITS.perAddress.failures),
  SSO_LOGIN_FAILURES_PER_USER: envCount(DEFAULT_THROTTLE_LIMITS.perUser.failures),
  SSO_LOGIN_FAILURES_PER_DEVICE: envCount(DEFAULT_THROTTLE_LIMITS.perDevice.failures),
  SSO_LOGIN_SUCCESSES_PER_USER: envCount(DEFAULT_THROTTLE_LIMITS.successesPerUser.failures),
  SSO_LOGIN_CONCURRENCY_PER_ADDRESS: envCount(DEFAULT_THROTTLE_LIMITS.concurrentPerAddress),
  SSO_LOGIN_CONCURRENCY_PER_USER: envCount(DEFAULT_THROTTLE_LIMITS.concurrentPerUser),
  SSO_SIGNUPS_PER_ADDRESS: envCount(DEFAULT_THROTTLE_LIMITS.signupsPerAddress.failures),
  /** Live sessions one account may hold; a new sign-in past it ends the oldest. */
  SSO_SESSIONS_PER_USER: envCount(DEFAULT_SESSIONS_PER_USER),
  /** How long a sign-in whose password passed waits for its second factor (ADR 028). */
  SSO_MFA_PENDING_TTL: envSeconds(5 * 60, 30, 15 * 60),
  SSO_MFA_ATTEMPTS_PER_SIGN_IN: envCount(DEFAULT_SECOND_FACTOR_LIMITS.perSignIn),
  SSO_MFA_FAILURES_PER_USER: envCount(DEFAULT_SECOND_FACTOR_LIMITS.perUser.failures),
  /** How long an account deletion stays in the revocation feed for relying apps that were down (ADR 034). */
  SSO_DELETION_FEED_RETENTION: envSeconds(30 * 24 * 3600, 3600, 365 * 24 * 3600),
  /** Sensitive actions (a password change with a second factor enrolled) need an authentication at most this old (ADR 032). */
  SSO_RECENT_AUTH_MAX_AGE: envSeconds(10 * 60, 30, 24 * 60 * 60),
  /** The WebAuthn relying party id (ADR 033): app 1's host by default. */
  SSO_PASSKEY_RP_ID: envOptional(),
  /** How long a passkey ceremony's challenge waits for its answer. */
  SSO_PASSKEY_CHALLENGE_TTL: envSeconds(120, 30, 600),
  SSO_PASSKEYS_PER_USER: envCount(20),
  SPA_DIR: envString(path.join(repoRoot, 'web/app1/dist')),
  /** Forward-auth access rules file (ADR 016); unset: every host under the parent domain needs a sign-in. */
  SSO_ACCESS_RULES: envOptional(),
  BCRYPT_COST: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(4, 'must be at least 4 (use 10 or more outside tests)')
      .max(15, 'must be at most 15 (each step doubles the time of a sign-in)')
      .default(10),
  ),
  /** Serve GET /metrics on this port (METRICS_HOST, loopback by default); unset: no metrics (ADR 035). */
  APP1_METRICS_PORT: envOptionalPort(),
  METRICS_HOST: envString('127.0.0.1'),
  ...StoreEnvSchema,
  ...MailEnvSchema,
  /** ADR 030: no domain token for an account whose email address is not verified. */
  SSO_REQUIRE_VERIFIED_EMAIL: z.preprocess(
    (v) => (v === '' ? undefined : typeof v === 'string' ? v.toLowerCase() : v),
    z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).default('false'),
  ),
  /** How long a verification or email-change link works. */
  SSO_EMAIL_TOKEN_TTL: envSeconds(24 * 3600, 5 * 60, 7 * 24 * 3600),
  /** Verification and email-change mails per account in an hour (answered 429 past it: the person is signed in). */
  SSO_EMAIL_MAILS_PER_ACCOUNT: envCount(5),
  /** Verification resend and email-change requests per client address in 15 min. */
  SSO_EMAIL_REQUESTS_PER_ADDRESS: envCount(20),
});

/** Every variable App 1 reads (for the unknown-variable warning of `npm start`). */
export const APP1_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/** Everything BFF 1 needs, validated once and frozen. */
export interface App1Config extends DomainConfig, StoreConfig, MailConfig, MetricsConfig {
  readonly port: number;
  /** App 1's own origin: the token issuer and the SPA's origin. */
  readonly origin: string;
  readonly idleTimeoutSeconds: number;
  readonly absoluteTimeoutSeconds: number;
  /** A just-rotated refresh token still renews (without rotating) this long: concurrent tabs are one browser. */
  readonly refreshGraceSeconds: number;
  /** A key added by `npm run keys:rotate` signs this long after it appears in the JWKS. */
  readonly keyActivationDelaySeconds: number;
  readonly spaDir: string;
  readonly bcryptCost: number;
  /** Sign-in and sign-up limits (windows fixed, counts from the environment). */
  readonly throttleLimits: Required<ThrottleLimits>;
  readonly sessionsPerUser: number;
  /** Forward-auth access rules: the file's (SSO_ACCESS_RULES) then the defaults. */
  readonly accessRules: AccessRules;
  readonly secondFactorPendingSeconds: number;
  /** How old an authentication may be for a sensitive action (seconds). */
  readonly recentAuthMaxAgeSeconds: number;
  readonly secondFactorLimits: SecondFactorLimits;
  /** How long an account deletion stays in the revocation feed. */
  readonly deletionFeedRetentionSeconds: number;
  /** No domain token until the account's address is verified (ADR 030). */
  readonly requireVerifiedEmail: boolean;
  readonly emailTokenTtlSeconds: number;
  readonly emailMailsPerAccount: number;
  readonly emailRequestsPerAddress: number;
  /** WebAuthn: the relying party id, the challenge lifetime, passkeys per account. */
  readonly passkeys: { readonly rpId: string; readonly challengeTtlSeconds: number; readonly maxPerUser: number };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): App1Config {
  const e = parseEnv(EnvSchema, env, SERVICE);
  const domain = resolveDomainConfig(e, SERVICE);
  const { warnings: storeWarnings, ...store } = resolveStoreConfig(e, SERVICE);
  const { warnings: metricsWarnings, ...metrics } = resolveMetricsConfig(
    { port: e.APP1_PORT, metricsPort: e.APP1_METRICS_PORT, metricsHost: e.METRICS_HOST },
    { service: SERVICE, port: 'APP1_PORT', metricsPort: 'APP1_METRICS_PORT' },
  );
  if (e.SSO_IDLE_TIMEOUT > e.SSO_ABSOLUTE_TIMEOUT) {
    throw new ConfigError(
      `${SERVICE} cannot start: SSO_IDLE_TIMEOUT (${e.SSO_IDLE_TIMEOUT}) is longer than SSO_ABSOLUTE_TIMEOUT (${e.SSO_ABSOLUTE_TIMEOUT}). Make the idle timeout the shorter one.`,
    );
  }
  return Object.freeze({
    ...domain,
    ...store,
    ...metrics,
    ...resolveMailConfig(e, domain.cookieDomain, SERVICE),
    warnings: [...domain.warnings, ...storeWarnings, ...metricsWarnings],
    port: e.APP1_PORT,
    origin: domain.app1Origin,
    idleTimeoutSeconds: e.SSO_IDLE_TIMEOUT,
    absoluteTimeoutSeconds: e.SSO_ABSOLUTE_TIMEOUT,
    refreshGraceSeconds: e.SSO_REFRESH_GRACE,
    keyActivationDelaySeconds: e.SSO_KEY_ACTIVATION_DELAY,
    spaDir: path.resolve(e.SPA_DIR),
    bcryptCost: e.BCRYPT_COST,
    throttleLimits: Object.freeze({
      perUserAddress: { ...DEFAULT_THROTTLE_LIMITS.perUserAddress, failures: e.SSO_LOGIN_FAILURES_PER_USER_ADDRESS },
      perAddress: { ...DEFAULT_THROTTLE_LIMITS.perAddress, failures: e.SSO_LOGIN_FAILURES_PER_ADDRESS },
      perUser: { ...DEFAULT_THROTTLE_LIMITS.perUser, failures: e.SSO_LOGIN_FAILURES_PER_USER },
      perDevice: { ...DEFAULT_THROTTLE_LIMITS.perDevice, failures: e.SSO_LOGIN_FAILURES_PER_DEVICE },
      signupsPerAddress: { ...DEFAULT_THROTTLE_LIMITS.signupsPerAddress, failures: e.SSO_SIGNUPS_PER_ADDRESS },
      successesPerUser: { ...DEFAULT_THROTTLE_LIMITS.successesPerUser, failures: e.SSO_LOGIN_SUCCESSES_PER_USER },
      concurrentPerAddress: e.SSO_LOGIN_CONCURRENCY_PER_ADDRESS,
      concurrentPerUser: e.SSO_LOGIN_CONCURRENCY_PER_USER,
    }),
    sessionsPerUser: e.SSO_SESSIONS_PER_USER,
    accessRules: loadAccessRules(e.SSO_ACCESS_RULES, domain.cookieDomain),
    secondFactorPendingSeconds: e.SSO_MFA_PENDING_TTL,
    deletionFeedRetentionSeconds: e.SSO_DELETION_FEED_RETENTION,
    requireVerifiedEmail: e.SSO_REQUIRE_VERIFIED_EMAIL === 'true' || e.SSO_REQUIRE_VERIFIED_EMAIL === '1',
    emailTokenTtlSeconds: e.SSO_EMAIL_TOKEN_TTL,
    emailMailsPerAccount: e.SSO_EMAIL_MAILS_PER_ACCOUNT,
    emailRequestsPerAddress: e.SSO_EMAIL_REQUESTS_PER_ADDRESS,
    recentAuthMaxAgeSeconds: e.SSO_RECENT_AUTH_MAX_AGE,
    secondFactorLimits: Object.freeze({
      perSignIn: e.SSO_MFA_ATTEMPTS_PER_SIGN_IN,
      perUser: { ...DEFAULT_SECOND_FACTOR_LIMITS.perUser, failures: e.SSO_MFA_FAILURES_PER_USER },
    }),
    passkeys: Object.freeze({
      rpId: passkeyRpId(e.SSO_PASSKEY_RP_ID, domain.app1Origin),
      challengeTtlSeconds: e.SSO_PASSKEY_CHALLENGE_TTL,
      maxPerUser: e.SSO_PASSKEYS_PER_USER,
    }),
  } satisfies App1Config);
}

/**
 * The WebAuthn RP ID: app 1's host unless set. A browser accepts only the
 * origin's host or a parent domain of it (never an IP address or a bare
 * top-level name); a passkey made for one RP ID never works for another, so
 * changing it later orphans every passkey.
 */
function passkeyRpId(configured: string | undefined, app1Origin: string): string {
  const host = new URL(app1Origin).hostname;
  if (configured === undefined) return host;
  const rpId = configured.trim().toLowerCase();
  if (rpId !== host && !(rpId.includes('.') && host.endsWith(`.${rpId}`))) {
    throw new ConfigError(
      `${SERVICE} cannot start: SSO_PASSKEY_RP_ID=${configured} is neither app 1's host (${host}) nor a parent domain of it. Unset it (app 1's host), or set a parent domain with a dot such as ${host.split('.').slice(1).join('.') || host}.`,
    );
  }
  return rpId;
}

/** Reads and checks the rules file once, at start-up; a mistake stops start-up with its line. */
function loadAccessRules(file: string | undefined, parentDomain: string): AccessRules {
  if (file === undefined) return createAccessRules([], parentDomain);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${SERVICE} cannot start: SSO_ACCESS_RULES=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Point it at the access rules file, or unset it.`);
  }
  try {
    return parseAccessRules(text, parentDomain);
  } catch (err) {
    if (err instanceof AccessRulesError) throw new ConfigError(`${SERVICE} cannot start: SSO_ACCESS_RULES ${file}:${err.line}: ${err.message.replace(/^line \d+: /, '')}`);
    throw err;
  }
}
