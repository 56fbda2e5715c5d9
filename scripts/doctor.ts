/**
 * `npm run doctor`: reads the current configuration (the same environment the
 * BFFs read) and explains, in plain words, what a browser will do with the
 * session cookie, whether the relying apps can reach app 1 and, with
 * STORE=postgres, whether the database answers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { ConfigError, createPgPool, diagnoseCookieDomain, redactDatabaseUrl } from '@sso/bff-common';
import { createCookieController, createTokenSigner } from '@sso/session';
import { MAX_GROUPS } from '@sso/types';
import { loadConfig as loadApp1Config } from '../bff/app1/src/config';
import { loadConfig as loadApp2Config } from '../bff/app2/src/config';
import { checkForwardAuth } from './doctor-forward-auth';
import { APP1_MIGRATIONS_DIR, APP1_SCHEMA } from '../bff/app1/src/storage/postgres-store';
import { APP2_MIGRATIONS_DIR, APP2_SCHEMA } from '../bff/app2/src/storage/postgres-store';

const ok = (s: string) => console.log(`  \u2714 ${s}`);
const bad = (s: string) => console.log(`  \u2718 ${s}`);
const warn = (s: string) => console.log(`  ! ${s}`);

async function main(): Promise<number> {
  let app1;
  let app2;
  try {
    app1 = loadApp1Config();
    app2 = loadApp2Config();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.log('The configuration is invalid; the apps will refuse to start:\n');
      console.log(err.message);
      return 1;
    }
    throw err;
  }
  let problems = 0;

  console.log(`\nCookie "${app1.cookieName}" on Domain=${app1.cookieDomain}`);
  const diagnosis = diagnoseCookieDomain(app1.cookieDomain, app1.apps.map((a) => ({ name: a.name, origin: a.origin })));
  if (diagnosis.errors.length === 0) ok(`browsers will store it and send it to ${app1.cookieDomain} and every host under it:`);
  for (const a of app1.apps) console.log(`      ${a.name.padEnd(10)} ${a.origin}`);
  console.log(`      (and any other *.${app1.cookieDomain} host: give only trusted apps a name there)`);
  for (const e of diagnosis.errors) (problems++, bad(e));
  for (const w of diagnosis.warnings) warn(w);
  for (const a of app1.apps) {
    const u = new URL(a.origin);
    if (u.protocol === 'https:' || u.hostname.endsWith('.localhost')) ok(`Secure cookies work on ${a.origin}${u.protocol === 'http:' ? ' (*.localhost is a secure context)' : ''}`);
  }

  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = createTokenSigner({ issuer: app1.origin, audience: app1.audience, ttlSeconds: app1.tokenTtlSeconds, method: { alg: 'EdDSA', currentKey: () => ({ kid: 'x'.repeat(43), privateKey }) } });
  // Every claim at its largest: the longest name and address, a second factor, and the most groups an account may have.
  const largest = await signer.sign({
    sub: `usr_${'x'.repeat(22)}`,
    sid: `ses_${'x'.repeat(22)}`,
    preferred_username: 'x'.repeat(32),
    email: `${'x'.repeat(64)}@${'x'.repeat(185)}.com`,
    name: 'x'.repeat(100),
    amr: ['pwd', 'otp', 'mfa'],
    auth_time: 9_999_999_999,
    groups: Array.from({ length: MAX_GROUPS }, (_, i) => `${i}`.padEnd(64, 'x')),
  });
  const size = createCookieController({ name: app1.cookieName, domain: app1.cookieDomain }).serialize(largest.token, app1.tokenTtlSeconds).length;
  if (size < 4096) ok(`the largest possible cookie is ${size} bytes (browsers keep up to 4096)`);
  else (problems++, bad(`the largest possible cookie is ${size} bytes, over the 4096 browsers keep`));
  ok(`tokens live ${app1.tokenTtlSeconds} s; sessions end after ${app1.idleTimeoutSeconds} s idle or ${app1.absoluteTimeoutSeconds} s in all`);

  console.log(`\nRelying app "App 2" (${app2.origin})`);
  console.log(`      verifies ${app2.tokenAlg} tokens from iss=${app2.issuer}, aud=${app2.audience}`);
  if (app2.tokenAlg !== app1.tokenAlg) (problems++, bad(`app 1 signs ${app1.tokenAlg} but app 2 expects ${app2.tokenAlg}`));
  for (const [what, url] of [['JWKS', app2.jwksUrl], ['revocation feed', app2.revocationsUrl]] as const) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { keys?: unknown[] };
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      ok(`${what} ${url} answers${what === 'JWKS' ? ` with ${body.keys?.length ?? 0} key(s)` : ''}`);
    } catch (err) {
      warn(`${what} ${url} does not answer (${(err as Error).message}). Is app 1 running? App 2 would answer 503 IDENTITY_UNAVAILABLE until it does.`);
    }
  }

  console.log('\nForward auth (reverse proxies)');
  for (const line of await checkForwardAuth(app1)) (line.level === 'ok' ? ok : line.level === 'info' ? (s: string) => console.log(`      ${s}`) : warn)(line.text);

  problems += await checkStore(app1);
  console.log(problems ? `\n${problems} problem(s) found.` : '\nNo problems found.');
  return problems ? 1 : 0;
}

/** Why a connection failed: node-postgres gives an AggregateError with no message when every address of a host refuses. */
function reasonOf(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] } | null;
  return e?.message || e?.errors?.map((x) => x.message).filter(Boolean).join('; ') || e?.code || String(err);
}

/** The highest migration version in an app's migrations directory (what this code would bring its schema to). */
async function codeVersion(dir: string): Promise<number> {
  return Math.max(0, ...(await readdir(dir)).map((f) => /^(\d+)_[\w.-]+\.sql$/.exec(f)?.[1]).filter(Boolean).map(Number));
}

/** Where the data lives; with PostgreSQL, whether it answers and how far each schema is migrated. Returns the problems found. */
async function checkStore(config: ReturnType<typeof loadApp1Config>): Promise<number> {
  if (config.store === 'lowdb') {
    console.log('\nStore: lowdb (STORE unset or lowdb)');
    ok(`app1.json and app2.json in ${config.dataDir}: one process per app (STORE=postgres for more)`);
    return 0;
  }
  const url = redactDatabaseUrl(config.databaseUrl!);
  console.log(`\nStore: PostgreSQL ${url}`);
  const pool = createPgPool({ databaseUrl: config.databaseUrl!, poolMax: 1 }, 'sso-doctor');
  pool.on('error', () => undefined);
  try {
    const started = Date.now();
    let server: { version: string; role: string };
    try {
      server = (await pool.query("SELECT current_setting('server_version') AS version, current_user AS role")).rows[0];
    } catch (err) {
      bad(
        `the database does not answer (${reasonOf(err)}). Neither app starts until it does: check that the server runs and that DATABASE_URL names the right host, port, database, role and password.`,
      );
      return 1;
    }
    ok(`answers in ${Date.now() - started} ms: PostgreSQL ${server.version}, as role ${server.role}`);
    for (const [schema, dir] of [
      [APP1_SCHEMA, APP1_MIGRATIONS_DIR],
      [APP2_SCHEMA, APP2_MIGRATIONS_DIR],
    ] as const) {
      const latest = await codeVersion(dir);
      try {
        const { rows } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [`${schema}.schema_migrations`]);
        if (!rows[0].present) {
          warn(`schema ${schema} does not exist yet: the first start-up (or npm run db:migrate) creates it, which needs CREATE on the database`);
          continue;
        }
        const { rows: v } = await pool.query(`SELECT coalesce(max(version), 0)::int AS version FROM ${schema}.schema_migrations`);
        const version = v[0].version as number;
        if (version >= latest) ok(`schema ${schema} is migrated (version ${version})`);
        else warn(`schema ${schema} is at version ${version}, this code at ${latest}: the next start-up (or npm run db:migrate) applies the rest`);
      } catch (err) {
        warn(`schema ${schema} cannot be read as role ${server.role} (${reasonOf(err)})`);
      }
    }
    return 0;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

main().then((code) => process.exit(code));
