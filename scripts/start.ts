/**
 * `npm start`: runs both BFFs (each serving its built SPA) with the store the
 * environment chooses (lowdb files by default) and keys generated on first
 * run, then prints where to go, where the data and keys are.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger, redactDatabaseUrl, runMain, unknownVariableWarnings, wantsPrettyLogs } from '@sso/bff-common';
import { KEY_FILE_NAME } from '@sso/session';
import { startApp1 } from '../bff/app1/src/server';
import { startApp2 } from '../bff/app2/src/server';
import { APP1_VARIABLES, loadConfig as loadApp1Config, type App1Config } from '../bff/app1/src/config';
import { outboxDir } from '../bff/app1/src/mail/mailer';
import { APP2_VARIABLES, loadConfig as loadApp2Config, type App2Config } from '../bff/app2/src/config';

/** Read by the examples and the test suites, not by the BFFs: not typos. */
const ALSO_KNOWN = ['SSO_ISSUER', 'SSO_TEST_PG_URL'];

/** The banner printed once both apps listen: where to go, which store, where the keys and logs are. */
export function banner(app1: App1Config, app2: App2Config, metricsPorts: { app1: number | null; app2: number | null } = { app1: app1.metricsPort, app2: app2.metricsPort }): string {
  const line = '─'.repeat(64);
  const store =
    app1.store === 'postgres'
      ? `PostgreSQL ${redactDatabaseUrl(app1.databaseUrl!)} (schemas app1, app2)`
      : `lowdb files app1.json, app2.json in ${app1.dataDir}`;
  const keys =
    app1.tokenAlg === 'EdDSA'
      ? `${path.join(app1.dataDir, KEY_FILE_NAME)} (signing) and device-cookie.key beside it`
      : `HS256 secret from SSO_HS256_SECRET; device-cookie.key in ${app1.dataDir}`;
  const mail =
    app1.mailTransport === 'smtp'
      ? `SMTP ${redactDatabaseUrl(app1.smtpUrl!)} from ${app1.mailFrom}`
      : `written to ${outboxDir(app1.dataDir)} (one JSON file per message; MAIL_TRANSPORT=smtp sends it)`;
  const logs = app1.logDir ? `${path.join(app1.logDir, 'app1.log')}, app2.log beside it` : null;
  const metricsUrl = (host: string, port: number | null) => (port === null ? null : `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
  const metrics = [metricsUrl(app1.metricsHost, metricsPorts.app1), metricsUrl(app2.metricsHost, metricsPorts.app2)];
  const metricsLine = metrics.some(Boolean) ? `app 1 ${metrics[0] ?? 'off'}, app 2 ${metrics[1] ?? 'off'}` : null;
  return [
    '',
    line,
    '  Single sign-on is running. Open in Chromium or Firefox:',
    '',
    `    App 1 (identity)  ${app1.origin}`,
    `    App 2 (relying)   ${app2.origin}`,
    '',
    `  Store: ${store}`,
    `  Keys:  ${keys}`,
    `  Mail:  ${mail}`,
    ...(logs ? [`  Logs:  ${logs}`] : []),
    ...(metricsLine ? [`  Metrics: ${metricsLine}`] : []),
    '  Admin: npm run admin -- --help (accounts, sessions, groups; safe while this runs)',
    '  Stop with Ctrl+C.',
    line,
    '',
  ].join('\n');
}

async function main() {
  for (const warning of unknownVariableWarnings(process.env, [...APP1_VARIABLES, ...APP2_VARIABLES, ...ALSO_KNOWN])) {
    process.stderr.write(`warning: ${warning}\n`);
  }
  const app1Config = loadApp1Config();
  const app2Config = loadApp2Config();
  // A person at a terminal reads the logs between the banner's lines: readable
  // ones then; JSON when piped, under CI or into LOG_DIR files.
  const pretty = wantsPrettyLogs(process.stdout, process.env);
  const app1 = await startApp1(process.env, false, { logger: createLogger({ name: 'app1', level: app1Config.logLevel, dir: app1Config.logDir, pretty }) });
  const app2 = await startApp2(process.env, false, { logger: createLogger({ name: 'app2', level: app2Config.logLevel, dir: app2Config.logDir, pretty }) });
  // One handler for both, so neither exits before the other has flushed.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      Promise.all([app2.stop(signal), app1.stop(signal)]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  process.stdout.write(banner(app1Config, app2Config, { app1: app1.metricsPort, app2: app2.metricsPort }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain(main);
