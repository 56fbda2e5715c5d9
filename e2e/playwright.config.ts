import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { shortDomainEnv } from './short-domain';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

/**
 * Ports and the data dir are chosen once, in the runner process, and handed
 * to workers through the environment (workers re-evaluate this file).
 */
function freePort(): number {
  return Number(
    execFileSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString().trim(),
  );
}
process.env.E2E_APP1_PORT ??= String(freePort());
process.env.E2E_APP2_PORT ??= String(freePort());
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'sso-e2e-'));
process.env.E2E_MOCK_PORT ??= String(freePort());
// A second domain with short lifetimes (sessions-that-last.spec.ts): its own
// parent domain, so its cookies never meet the main domain's.
process.env.E2E_SHORT_APP1_PORT ??= String(freePort());
process.env.E2E_SHORT_APP2_PORT ??= String(freePort());
process.env.E2E_SHORT_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'sso-e2e-short-'));
// Forward auth (forward-auth.spec.ts): the proxied hosts nginx and Caddy
// serve, with a group rule, and the proxies on loopback trusted.
process.env.E2E_RULES_FILE ??= path.join(mkdtempSync(path.join(tmpdir(), 'sso-e2e-rules-')), 'access-rules');
writeFileSync(
  process.env.E2E_RULES_FILE,
  ['app4.sso.localhost', 'app5.sso.localhost'].map((host) => `${host} /public public\n${host} /admin groups admins\n${host} / signed_in\n`).join(''),
);
/** The teardown that reads the BFFs' logs once every spec has run. */
const LOGS_CHECK = /logs\.teardown\.spec\.ts$/;
const app1Port = process.env.E2E_APP1_PORT;
const app2Port = process.env.E2E_APP2_PORT;

export default defineConfig({
  testDir: path.join(here, 'tests'),
  outputDir: path.join(here, 'artifacts/test-results'),
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium' }, testIgnore: LOGS_CHECK, teardown: 'logs' },
    // After every chromium spec, pass or fail: the logs of the whole run hold no secret.
    { name: 'logs', testMatch: LOGS_CHECK },
  ],
  webServer: [
    {
    command: `node --import tsx ${JSON.stringify(path.join(repoRoot, 'scripts/start.ts'))}`,
    cwd: repoRoot,
    url: `http://127.0.0.1:${app2Port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      APP1_PORT: app1Port,
      APP2_PORT: app2Port,
      DATA_DIR: process.env.E2E_DATA_DIR,
      BCRYPT_COST: '8',
      // Full logs to files: logs.teardown.spec.ts checks no secret ever reached them.
      LOG_LEVEL: 'info',
      LOG_DIR: path.join(process.env.E2E_DATA_DIR, 'logs'),
      SSO_REVOCATION_POLL_MS: '250',
      TRUST_PROXY: 'loopback',
      SSO_ACCESS_RULES: process.env.E2E_RULES_FILE,
    },
    },
    {
      command: `node --import tsx ${JSON.stringify(path.join(repoRoot, 'scripts/start.ts'))}`,
      cwd: repoRoot,
      url: `http://127.0.0.1:${process.env.E2E_SHORT_APP2_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: { ...shortDomainEnv(), LOG_LEVEL: 'warn' },
    },
    {
      // SPA 2 alone on Vite in mock mode: the msw handlers answer its API.
      command: `npx vite --mode mock --port ${process.env.E2E_MOCK_PORT} --strictPort`,
      cwd: path.join(repoRoot, 'web/app2'),
      url: `http://127.0.0.1:${process.env.E2E_MOCK_PORT}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
