import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DomainEnvSchema, envOptional, envOptionalPort, envSeconds, envString, parseEnv, resolveDomainConfig, resolveMetricsConfig, resolveStoreConfig, StoreEnvSchema, ConfigError, type DomainConfig, type MetricsConfig, type StoreConfig } from '@sso/bff-common';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVICE = 'App 2 (relying BFF)';

const EnvSchema = DomainEnvSchema.extend({
  /** Where BFF 2 fetches app 1's public keys. Node cannot resolve *.localhost, hence loopback. */
  SSO_JWKS_URL: envOptional(),
  SSO_REVOCATIONS_URL: envOptional(),
  SSO_REVOCATION_POLL_MS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be at least 100 ms').max(60_000, 'must be at most 60000 ms').default(1000),
  ),
  /** The security page needs a second factor proved at most this long ago (ADR 032). */
  APP2_SECURITY_MAX_AUTH_AGE: envSeconds(15 * 60, 60, 24 * 60 * 60),
  SPA_DIR: envString(path.join(repoRoot, 'web/app2/dist')),
  /** Serve GET /metrics on this port (METRICS_HOST, loopback by default); unset: no metrics (ADR 035). */
  APP2_METRICS_PORT: envOptionalPort(),
  METRICS_HOST: envString('127.0.0.1'),
  ...StoreEnvSchema,
});

/** Every variable App 2 reads (for the unknown-variable warning of `npm start`). */
export const APP2_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/** Everything BFF 2 needs, validated once and frozen. */
export interface App2Config extends DomainConfig, StoreConfig, MetricsConfig {
  readonly port: number;
  readonly origin: string;
  /** The token issuer: app 1's origin. */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly revocationsUrl: string;
  readonly revocationPollMs: number;
  readonly loginUrl: string;
  /** How old a second factor may be for the security page (seconds). */
  readonly securityMaxAuthAgeSeconds: number;
  readonly spaDir: string;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): App2Config {
  const e = parseEnv(EnvSchema, env, SERVICE);
  const domain = resolveDomainConfig(e, SERVICE);
  const { warnings: storeWarnings, ...store } = resolveStoreConfig(e, SERVICE);
  const { warnings: metricsWarnings, ...metrics } = resolveMetricsConfig(
    { port: e.APP2_PORT, metricsPort: e.APP2_METRICS_PORT, metricsHost: e.METRICS_HOST },
    { service: SERVICE, port: 'APP2_PORT', metricsPort: 'APP2_METRICS_PORT' },
  );
  const loopback = `http://127.0.0.1:${e.APP1_PORT}`;
  const url = (name: string, value: string) => {
    try {
      const u = new URL(value);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      return u.href;
    } catch {
      throw new ConfigError(`${SERVICE} cannot start: ${name}=${JSON.stringify(value)} must be an http(s) URL such as ${loopback}/.well-known/jwks.json.`);
    }
  };
  return Object.freeze({
    ...domain,
    ...store,
    ...metrics,
    warnings: [...domain.warnings, ...storeWarnings, ...metricsWarnings],
    port: e.APP2_PORT,
    origin: domain.app2Origin,
    issuer: domain.app1Origin,
    jwksUrl: url('SSO_JWKS_URL', e.SSO_JWKS_URL ?? `${loopback}/.well-known/jwks.json`),
    revocationsUrl: url('SSO_REVOCATIONS_URL', e.SSO_REVOCATIONS_URL ?? `${loopback}/api/revocations`),
    revocationPollMs: e.SSO_REVOCATION_POLL_MS,
    loginUrl: `${domain.app1Origin}/login`,
    securityMaxAuthAgeSeconds: e.APP2_SECURITY_MAX_AUTH_AGE,
    spaDir: path.resolve(e.SPA_DIR),
  } satisfies App2Config);
}
