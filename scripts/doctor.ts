/**
 * `npm run doctor`: reads the current configuration (the same environment the
 * BFFs read) and explains, in plain words, what a browser will do with the
 * session cookie and whether the relying apps can reach app 1.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, diagnoseCookieDomain } from '@sso/bff-common';
import { createCookieController, createTokenSigner } from '@sso/session';
import { loadConfig as loadApp1Config } from '../bff/app1/src/config';
import { loadConfig as loadApp2Config } from '../bff/app2/src/config';

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
  const largest = await signer.sign({ sub: `usr_${'x'.repeat(22)}`, sid: `ses_${'x'.repeat(22)}`, preferred_username: 'x'.repeat(32), email: `${'x'.repeat(64)}@${'x'.repeat(185)}.com`, name: 'x'.repeat(100) });
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
  console.log(problems ? `\n${problems} problem(s) found.` : '\nNo problems found.');
  return problems ? 1 : 0;
}

main().then((code) => process.exit(code));
