/**
 * `npm start`: runs both BFFs (each serving its built SPA) with the embedded
 * lowdb store and keys generated on first run, then prints where to go.
 */
import { runMain, unknownVariableWarnings } from '@sso/bff-common';
import { startApp1 } from '../bff/app1/src/server';
import { startApp2 } from '../bff/app2/src/server';
import { APP1_VARIABLES, loadConfig as loadApp1Config } from '../bff/app1/src/config';
import { APP2_VARIABLES, loadConfig as loadApp2Config } from '../bff/app2/src/config';

/** Read by the examples and the test suites, not by the BFFs: not typos. */
const ALSO_KNOWN = ['SSO_ISSUER', 'SSO_TEST_PG_URL'];

runMain(async () => {
  for (const warning of unknownVariableWarnings(process.env, [...APP1_VARIABLES, ...APP2_VARIABLES, ...ALSO_KNOWN])) {
    process.stderr.write(`warning: ${warning}\n`);
  }
  const app1Config = loadApp1Config();
  const app2Config = loadApp2Config();
  const app1 = await startApp1(process.env, false);
  const app2 = await startApp2(process.env, false);
  // One handler for both, so neither exits before the other has flushed.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      Promise.all([app2.stop(signal), app1.stop(signal)]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  const line = '─'.repeat(64);
  process.stdout.write(
    [
      '',
      line,
      '  Single sign-on is running. Open in Chromium or Firefox:',
      '',
      `    App 1 (identity)  ${app1Config.origin}`,
      `    App 2 (relying)   ${app2Config.origin}`,
      '',
      `  Data and keys: ${app1Config.dataDir}`,
      '  Stop with Ctrl+C.',
      line,
      '',
    ].join('\n'),
  );
});
