/**
 * `npm run keys:withdraw -- <kid>`: takes a signing key out of service at
 * once, for an emergency (the key leaked). A running app 1 stops publishing
 * it within 5 s and lists it in the revocation feed; relying apps refuse its
 * tokens, cached ones included, within one poll of the feed. If it was the
 * signing key, a fresh key signs from now on: signed-in people get a token
 * with it at their next renewal, without signing in again.
 */
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, withdrawKey } from '@sso/session';
import { ConfigError, runMain } from '@sso/bff-common';
import { loadConfig } from '../bff/app1/src/config';

runMain(async () => {
  // A kid is base64url and may itself begin with '-': only the help flags are options.
  const kid = process.argv.slice(2).find((a) => a !== '--');
  if (!kid || kid === '-h' || kid === '--help') throw new ConfigError('usage: npm run keys:withdraw -- <kid>   (the kids are in DATA_DIR/signing-keys.json and the JWKS)');
  const config = loadConfig();
  const { withdrawn, replacement } = await withdrawKey({
    dir: config.dataDir,
    kid,
    retainSeconds: config.tokenTtlSeconds + DEFAULT_CLOCK_TOLERANCE_SECONDS,
    activationDelaySeconds: config.keyActivationDelaySeconds,
  });
  console.log(`Withdrew signing key ${withdrawn} in ${config.dataDir}: relying apps refuse its tokens within one revocation poll of app 1 reloading it (5 s).`);
  if (replacement) console.log(`It was signing: new key ${replacement} signs from now on.`);
});
