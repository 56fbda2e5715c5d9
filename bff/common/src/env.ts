import leven from 'leven';
import { z } from 'zod';

/** Thrown at start-up when the environment cannot make a working service. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `env` with `schema`; every problem is reported with its variable name and a fix. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, service: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = issue.path.length ? env[String(issue.path[0])] : undefined;
    return `  ${name}${value !== undefined ? `=${JSON.stringify(value)}` : ''}: ${issue.message}`;
  });
  throw new ConfigError(`${service} cannot start, its configuration is invalid:\n${lines.join('\n')}\nFix the variables above (see the configuration table in README.md) and start again.`);
}

/** Empty strings count as unset, so `FOO= npm start` falls back to the default. */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

export const envPort = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65535).default(fallback));

/** A port that may be left unset (the feature it serves is then off). */
export const envOptionalPort = () =>
  z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65535).optional());

export const envSeconds = (fallback: number, min = 1, max = 60 * 60 * 24 * 400) =>
  z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(min, `must be at least ${min} seconds`)
      .max(max, `must be at most ${max} seconds`)
      .default(fallback),
  );

export const envString = (fallback: string) => z.preprocess(unsetIfEmpty, z.string().default(fallback));

export const envOptional = () => z.preprocess(unsetIfEmpty, z.string().optional());

/** An origin: scheme, host and port only (`http://app1.sso.localhost:3001`). */
export const origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
    } catch {
      return false;
    }
  },
  { message: 'must be an origin like http://app1.sso.localhost:3001 (scheme, host and port; no path or trailing slash)' },
);

export const envOriginList = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []),
  z.array(origin),
);

export const envLogLevel = z.preprocess(
  unsetIfEmpty,
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
);

/** Variable name prefixes this product reads: a name under one of them that nothing reads is likely a typo. */
const CHECKED_PREFIXES = ['SSO_', 'APP1_', 'APP2_', 'MAIL_', 'SMTP_'];

/**
 * One warning per variable under a product prefix that no part of the
 * product reads (`SSO_COOKIE_DOMIAN`), naming the closest known name. A
 * typo is otherwise silently ignored and the default applies.
 */
export function unknownVariableWarnings(env: Record<string, string | undefined>, known: Iterable<string>): string[] {
  const names = [...new Set(known)];
  return Object.keys(env)
    .filter((name) => CHECKED_PREFIXES.some((p) => name.startsWith(p)) && !names.includes(name))
    .sort()
    .map((name) => {
      const closest = names.map((k) => ({ k, d: leven(name, k) })).sort((a, b) => a.d - b.d)[0];
      const hint = closest && closest.d <= Math.max(2, Math.floor(name.length / 4)) ? ` Did you mean ${closest.k}?` : '';
      return `${name} is set but nothing reads it, so it has no effect.${hint} (Known variables: the configuration table in README.md.)`;
    });
}
