import path from 'node:path';
import { z } from 'zod';
import { createCookieController, hs256Secret } from '@sso/session';
import { diagnoseCookieDomain } from './cookie-doctor';
import { ConfigError, envLogLevel, envOptional, envOriginList, envPort, envSeconds, envString, origin } from './env';

/** Variables every BFF on the domain reads, with the same names and defaults. */
export const DomainEnvSchema = z.object({
  HOST: envString('127.0.0.1'),
  APP1_PORT: envPort(3001),
  APP2_PORT: envPort(3002),
  APP1_ORIGIN: envOptional(),
  APP2_ORIGIN: envOptional(),
  /** Further relying-app origins (comma-separated): allowed for CORS, Origin checks and returnTo. */
  SSO_EXTRA_ORIGINS: envOriginList,
  SSO_COOKIE_DOMAIN: envString('sso.localhost'),
  SSO_COOKIE_NAME: envString('__Secure-sso'),
  SSO_AUDIENCE: envOptional(),
  SSO_TOKEN_TTL: envSeconds(600, 30, 3600),
  SSO_TOKEN_ALG: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['EdDSA', 'HS256'], { error: 'must be EdDSA or HS256' }).default('EdDSA')),
  SSO_HS256_SECRET: envOptional(),
  DATA_DIR: envString('./data'),
  LOG_LEVEL: envLogLevel,
  /** Write logs to `<LOG_DIR>/<app>.log` instead of standard output. */
  LOG_DIR: envOptional(),
  /**
   * Express "trust proxy": off by default. Behind a load balancer set the hop
   * count (`1`) or the proxies' addresses (`10.0.0.0/8,loopback`), never `true`:
   * client addresses (used for sign-in throttling) come from X-Forwarded-For.
   */
  TRUST_PROXY: z.preprocess(
    (v) => (v === '' || v === undefined ? 'false' : v),
    z
      .string()
      .refine((v) => v !== 'true', 'must not be "true" (it trusts any client\'s X-Forwarded-For); give a hop count like 1 or the proxy addresses')
      .transform((v): boolean | number | string => (v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  ),
});
export type DomainEnv = z.output<typeof DomainEnvSchema>;

/** The parts of the configuration that every app on the domain must agree on. */
export interface DomainConfig {
  readonly host: string;
  readonly app1Origin: string;
  readonly app2Origin: string;
  /** Every app origin on the domain, app 1 first. */
  readonly appOrigins: readonly string[];
  readonly apps: readonly { name: string; origin: string }[];
  readonly cookieDomain: string;
  readonly cookieName: string;
  readonly audience: string;
  readonly tokenTtlSeconds: number;
  readonly tokenAlg: 'EdDSA' | 'HS256';
  readonly hs256Secret: Uint8Array | null;
  readonly dataDir: string;
  readonly logLevel: DomainEnv['LOG_LEVEL'];
  /** Directory for `<app>.log` files; null logs to standard output. */
  readonly logDir: string | null;
  /** Express `trust proxy` value: false, a hop count, or proxy addresses. */
  readonly trustProxy: boolean | number | string;
  /** Start-up warnings (logged): things that work here but not in production. */
  readonly warnings: readonly string[];
}

/** Derives and cross-checks the domain settings; throws ConfigError naming the variable and the fix. */
export function resolveDomainConfig(e: DomainEnv, service: string): DomainConfig {
  const fail = (message: string): never => {
    throw new ConfigError(`${service} cannot start: ${message}`);
  };
  const checkOrigin = (name: string, value: string) => {
    const r = origin.safeParse(value);
    if (!r.success) fail(`${name}=${JSON.stringify(value)} ${r.error.issues[0]?.message}.`);
    return value;
  };
  const app1Origin = checkOrigin('APP1_ORIGIN', e.APP1_ORIGIN ?? `http://app1.${e.SSO_COOKIE_DOMAIN}:${e.APP1_PORT}`);
  const app2Origin = checkOrigin('APP2_ORIGIN', e.APP2_ORIGIN ?? `http://app2.${e.SSO_COOKIE_DOMAIN}:${e.APP2_PORT}`);

  try {
    // Fails fast on a cookie name or domain browsers would refuse.
    createCookieController({ name: e.SSO_COOKIE_NAME, domain: e.SSO_COOKIE_DOMAIN });
  } catch (err) {
    fail(`SSO_COOKIE_NAME / SSO_COOKIE_DOMAIN: ${(err as Error).message}`);
  }
  const extras = e.SSO_EXTRA_ORIGINS.filter((o) => o !== app1Origin && o !== app2Origin);
  const diagnosis = diagnoseCookieDomain(e.SSO_COOKIE_DOMAIN, [
    { name: 'APP1_ORIGIN', origin: app1Origin },
    { name: 'APP2_ORIGIN', origin: app2Origin },
    ...extras.map((origin) => ({ name: 'SSO_EXTRA_ORIGINS', origin })),
  ]);
  if (diagnosis.errors.length) fail(diagnosis.errors.join('\n  '));

  let secret: Uint8Array | null = null;
  if (e.SSO_TOKEN_ALG === 'HS256') {
    if (!e.SSO_HS256_SECRET) fail('SSO_TOKEN_ALG=HS256 needs SSO_HS256_SECRET: at least 32 random bytes, the same in every app.');
    try {
      secret = hs256Secret(e.SSO_HS256_SECRET!);
    } catch (err) {
      fail(`SSO_HS256_SECRET: ${(err as Error).message}`);
    }
  }

  return {
    host: e.HOST,
    app1Origin,
    app2Origin,
    appOrigins: Object.freeze([app1Origin, app2Origin, ...extras]),
    apps: Object.freeze([
      { name: 'Identity', origin: app1Origin },
      { name: 'App 2', origin: app2Origin },
      ...extras.map((o) => ({ name: new URL(o).hostname.split('.')[0] ?? o, origin: o })),
    ]),
    cookieDomain: e.SSO_COOKIE_DOMAIN,
    cookieName: e.SSO_COOKIE_NAME,
    audience: e.SSO_AUDIENCE ?? e.SSO_COOKIE_DOMAIN,
    tokenTtlSeconds: e.SSO_TOKEN_TTL,
    tokenAlg: e.SSO_TOKEN_ALG,
    hs256Secret: secret,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    logDir: e.LOG_DIR ? path.resolve(e.LOG_DIR) : null,
    trustProxy: e.TRUST_PROXY,
    warnings: diagnosis.warnings,
  };
}
