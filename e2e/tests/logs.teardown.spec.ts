import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { apps, expect, PASSWORD, test } from '../fixtures';

/**
 * The `logs` project, the chromium project's teardown (playwright.config.ts):
 * it runs once every other spec has finished, whatever their names. The BFFs'
 * logs of the whole e2e run must hold the audit trail and never a password,
 * token or cookie value. (A teardown runs in full even when a filter picks
 * some specs; run those with `--no-deps`, the audit trail needs them all.)
 */
test('the logs of the full e2e run hold the audit events and no secret', () => {
  const files = ['app1.log', 'app2.log'].map((f) => path.join(apps.dataDir, 'logs', f));
  for (const f of files) expect(existsSync(f), f).toBe(true);
  const text = files.map((f) => readFileSync(f, 'utf8')).join('');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string; event?: string; req?: { id?: string } });
  const events = new Set(lines.filter((l) => l.msg === 'audit').map((l) => l.event));
  for (const e of ['signup', 'login.success', 'login.failure', 'logout', 'provision', 'mfa.totp.enabled', 'mfa.failure', 'mfa.recovery-code.used', 'passkey.added', 'passkey.renamed', 'passkey.used']) expect(events, e).toContain(e);
  expect(lines.filter((l) => l.req).every((l) => typeof l.req!.id === 'string')).toBe(true);

  for (const secret of [PASSWORD, 'wrong password', 'eyJ', '__Secure-sso=', '__Host-sso-refresh=', 'passwordHash', '"cookie"', 'otpauth://', 'sealedSecret', 'recoveryCodes', '__Host-sso-passkey=', '"publicKey"', 'clientDataJSON']) {
    expect(text.includes(secret), `logs contain ${secret}`).toBe(false);
  }
});
