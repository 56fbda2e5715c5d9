import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { apps, expect, PASSWORD, signUpThroughForm, snap, test, uniqueUser } from '../fixtures';

const NEW_PASSWORD = 'a brand new passphrase';
const outbox = path.join(apps.dataDir, 'outbox');

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Every mail in the file outbox (DATA_DIR/outbox/<ISO time>-<id>.json, ADR 020) sent to `to`, oldest first. */
function mailsTo(to: string): Mail[] {
  let names: string[];
  try {
    names = readdirSync(outbox).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(path.join(outbox, n), 'utf8')) as Mail).filter((m) => m.to === to);
}

/** Both widths people use; back to the desktop width afterwards. */
async function snapBoth(page: Page, name: string) {
  for (const [w, h] of [[375, 812], [1280, 800]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await snap(page, `${name}-${w}`);
  }
}

/** Opens a reset link as a fresh page load (a goto that changes only the fragment would not reload the SPA). */
async function openLink(page: Page, url: string) {
  await page.goto('about:blank');
  await page.goto(url);
}

test.describe('forgotten password', () => {
  test('forgot, mail in the outbox, new password, the sign-in form; the old session at app 2 is signed out, the old password and a second use of the link refused', async ({ browser }) => {
    test.setTimeout(60_000);
    const username = uniqueUser('reset');
    const email = `${username}@example.com`;
    const before = await browser.newContext();
    const after = await browser.newContext();
    try {
      // The old session: signed up in one browser, an app 2 tab left open.
      const old = await before.newPage();
      await signUpThroughForm(old, username, { email });
      await expect(old).toHaveURL(`${apps.app1}/account`);
      await old.goto(`${apps.app2}/`);
      await expect(old.getByRole('heading', { name: 'Your profile' })).toBeVisible();

      // Another browser: "Forgot password?" from the sign-in page.
      const page = await after.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${apps.app1}/login`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await expect(page).toHaveURL(`${apps.app1}/forgot-password`);
      await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
      await snapBoth(page, 'reset-forgot');
      await page.getByLabel('Username or email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expect(page.getByRole('status')).toContainText('If an account matches, we sent a link to its email address.');
      await snapBoth(page, 'reset-sent');

      // The mail, from the file outbox: a link to app 1's origin with the token in the fragment.
      // (The sign-up mailed a verification link to the same address: ADR 030.)
      const resetMails = () => mailsTo(email).filter((m) => m.subject.includes('Reset your password'));
      await expect.poll(() => resetMails().length, { timeout: 10_000 }).toBe(1);
      const [mail] = resetMails();
      expect(mail!.subject).toContain('Reset your password');
      const link = /(http\S+\/reset-password#token=rst_[\w-]+)/.exec(mail!.text)?.[1];
      expect(link, mail!.text).toBeDefined();
      expect(new URL(link!).origin).toBe(apps.app1);
      expect(mail!.html).toContain(link);

      // The link: the token leaves the address at once; a new password.
      await page.goto(link!);
      await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
      await expect(page).toHaveURL(`${apps.app1}/reset-password`);
      await snapBoth(page, 'reset-choose');
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set new password' }).click();

      // ADR 020: the sign-in form, username filled in, no session set by the reset.
      await expect(page).toHaveURL(`${apps.app1}/login`);
      const resetAt = Date.now();
      await expect(page.getByRole('status')).toContainText(`Your password was changed and every session of ${username} was signed out`);
      await expect(page.getByLabel('Username')).toHaveValue(username);
      await expect(page.getByLabel('Password')).toBeFocused();
      expect((await after.cookies()).map((c) => c.name)).not.toContain('__Secure-sso');
      await snapBoth(page, 'reset-done-sign-in');

      // The old browser's app 2 tab, left open, is signed out within the feed's bound (250 ms polls here) plus its 1 s check.
      await expect(old).toHaveURL(new RegExp(`^${apps.app1}/login\\?`), { timeout: 3_000 });
      expect(Date.now() - resetAt).toBeLessThan(3_000);
      await expect(old.getByText('Your password was changed, so every device was signed out.')).toBeVisible();

      // The old password is refused; the new one signs in.
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toContainText("That username and password don't match.");
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page).toHaveURL(`${apps.app1}/account`);
      await page.goto(`${apps.app2}/`);
      await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();

      // The owner is told at the account's address.
      await expect.poll(() => mailsTo(email).map((m) => m.subject), { timeout: 10_000 }).toContainEqual(expect.stringContaining('Your password was changed'));

      // The same link again: "used", and a way to ask for a new one.
      await openLink(page, link!);
      await page.getByLabel('New password').fill('yet another passphrase');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect(page.getByRole('alert')).toContainText('This reset link was already used.');
      await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
      await snapBoth(page, 'reset-link-used');

      // A link pasted wrong (token in the query or the path) reaches the server: the access log must not keep it
      // (checked with every mailed token by logs.teardown.spec.ts).
      const token = new URL(link!).hash.slice('#token='.length);
      for (const wrong of [`/reset-password?token=${token}`, `/reset-password/${token}`, `/api/password/reset?token=${token}`]) {
        expect((await page.goto(`${apps.app1}${wrong}`))!.status()).toBeLessThan(500);
      }
    } finally {
      await before.close();
      await after.close();
    }
  });

  test('the other states of the reset page: expired, not valid, no token, saving', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // A link voided by a newer one, mistyped, or made up: the real BFF answers LINK_INVALID.
    await page.goto(`${apps.app1}/reset-password#token=rst_${'A'.repeat(43)}`);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('alert')).toContainText('This reset link is not valid.');
    await snapBoth(page, 'reset-link-invalid');

    // Expiry takes SSO_RESET_TOKEN_TTL (30 min; bff/app1/integration covers it with a short TTL): here the
    // BFF's 410 LINK_EXPIRED answer is played back, for the screenshot of what the page says.
    await page.route('**/api/password/reset', (route) =>
      route.fulfill({
        status: 410,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Gone', status: 410, code: 'LINK_EXPIRED', detail: 'This reset link has expired. Ask for a new link.' }),
      }),
    );
    await openLink(page, `${apps.app1}/reset-password#token=rst_${'B'.repeat(43)}`);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('alert')).toContainText('This reset link has expired');
    await snapBoth(page, 'reset-link-expired');

    // While the request runs.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/password/reset', async (route) => {
      await held;
      await route.abort();
    });
    await openLink(page, `${apps.app1}/reset-password#token=rst_${'C'.repeat(43)}`);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('button', { name: 'Saving…' })).toBeDisabled();
    await snapBoth(page, 'reset-saving');
    release();
    await expect(page.getByRole('alert')).toContainText("Can't reach the server.");

    // Opened without the mail's fragment.
    await openLink(page, `${apps.app1}/reset-password`);
    await expect(page.getByRole('alert')).toContainText('This page needs the link from the reset email');
    await snapBoth(page, 'reset-no-token');
  });
});
