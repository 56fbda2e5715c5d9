import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  for (const e of ['signup', 'login.success', 'login.failure', 'logout', 'provision', 'mfa.totp.enabled', 'mfa.failure', 'mfa.recovery-code.used', 'password.forgot', 'password.reset', 'password.reset.refused', 'email.verified', 'email.changed', 'passkey.added', 'passkey.renamed', 'passkey.used']) {
    expect(events, e).toContain(e);
  }
  expect(lines.filter((l) => l.req).every((l) => typeof l.req!.id === 'string')).toBe(true);

  // Every reset token mailed during the run (file outbox), whole and without its prefix.
  const outbox = path.join(apps.dataDir, 'outbox');
  const mails = existsSync(outbox) ? readdirSync(outbox).map((f) => readFileSync(path.join(outbox, f), 'utf8')) : [];
  const tokens = mails.flatMap((m) => [...m.matchAll(/#token=rst_([\w-]+)/g)].map((t) => t[1]!));
  expect(tokens.length, 'password-reset.spec.ts mailed reset links').toBeGreaterThan(0);
  for (const token of new Set(tokens)) expect(text.includes(token), `logs contain a reset token`).toBe(false);

  // Reset links (password-reset.spec.ts): the token travels in the fragment and in a JSON body, never in a log line
  // (`rst_` starts every reset token; the new password of that spec is a secret like any other).
  for (const secret of [PASSWORD, 'wrong password', 'a brand new passphrase', 'rst_', '#token=', 'reset-password#', 'eyJ', '__Secure-sso=', '__Host-sso-refresh=', 'passwordHash', '"cookie"', 'otpauth://', 'sealedSecret', 'recoveryCodes', 'vfy_', 'chg_', '__Host-sso-passkey=', '"publicKey"', 'clientDataJSON']) {
    expect(text.includes(secret), `logs contain ${secret}`).toBe(false);
  }
});
