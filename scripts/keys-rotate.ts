/**
 * `npm run keys:rotate`: adds a new current Ed25519 signing key for app 1.
 * The previous key stays in the JWKS until every token it signed has expired;
 * a running app 1 picks the new key up within seconds, relying apps on the
 * first token with the new `kid`.
 */
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, rotateKeySet } from '@sso/session';
import { runMain } from '@sso/bff-common';
import { loadConfig } from '../bff/app1/src/config';

runMain(async () => {
  const config = loadConfig();
  const { kid, retired } = await rotateKeySet({
    dir: config.dataDir,
    retainSeconds: config.tokenTtlSeconds + DEFAULT_CLOCK_TOLERANCE_SECONDS,
    activationDelaySeconds: config.keyActivationDelaySeconds,
  });
  console.log(`New signing key ${kid} in ${config.dataDir}: published now, signing from ${config.keyActivationDelaySeconds} s on.`);
  if (retired.length) console.log(`Retired (still published until its last token has expired): ${retired.join(', ')}`);
});
