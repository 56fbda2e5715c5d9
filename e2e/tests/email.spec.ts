import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { apps, expect, PASSWORD, snap, signUpThroughForm, test, uniqueUser } from '../fixtures';

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The newest mail to `to` whose subject starts with `subject`, read from the file outbox (DATA_DIR/outbox), waiting for it to be written. */
async function mailTo(to: string, subject: string): Promise<Mail> {
  const dir = path.join(apps.dataDir, 'outbox');
  for (let i = 0; i < 100; i++) {
    const files = (await readdir(dir).catch(() => [] as string[])).sort();
    const mails = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Mail));
    const found = mails.filter((m) => m.to === to && m.subject.startsWith(subject)).at(-1);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail "${subject}" to ${to} in ${dir}`);
}

const linkIn = (mail: Mail) => /(http\S+\/verify-email#token=(?:vfy|chg)_[A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;

/** Both widths of every page this spec adds, then back to the desktop width. */
async function snapBoth(page: Page, name: string) {
  for (const [w, h] of [[1280, 900], [375, 800]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await snap(page, `${name}-${w}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test.describe('email verification and profile edits (ADR 030)', () => {
  test('sign up with an email, open the mailed link: verified at app 1, and app 2 shows it', async ({ page }) => {
    const username = uniqueUser('mail');
    const email = `${username}@example.test`;
    await signUpThroughForm(page, username, { email });
    await expect(page).toHaveURL(`${apps.app1}/account`);
    const profile = page.getByRole('region', { name: 'Profile' });
    await expect(profile.getByText('Not verified')).toBeVisible();
    await snapBoth(page, 'email-account-unverified');

    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await expect(page.getByText('Not verified')).toBeVisible();

    const mail = await mailTo(email, 'Confirm your email address');
    const link = linkIn(mail);
    expect(link.startsWith(`${apps.app1}/verify-email#token=vfy_`)).toBe(true);
    const response = await page.goto(link);
    expect(response!.headers()['referrer-policy']).toBe('no-referrer');
    await expect(page.getByRole('heading', { name: 'Your address is confirmed' })).toBeVisible();
    // The token left the address bar at once (not in history, bookmarks or a shared screen).
    expect(page.url()).toBe(`${apps.app1}/verify-email`);
    await snapBoth(page, 'email-verify-done');

    await page.goto(`${apps.app2}/`);
    await expect(page.getByText(email)).toBeVisible();
    await expect(page.getByText('Verified', { exact: true })).toBeVisible();
    await snapBoth(page, 'email-app2-verified');

    // The same link again: used.
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
    await snapBoth(page, 'email-verify-used');
  });

  test('change the email from the account page: a link to the new address, a notice to the old; the address changes when it is used', async ({ page }) => {
    const username = uniqueUser('mover');
    const oldEmail = `${username}@example.test`;
    const newEmail = `${username}-new@example.test`;
    await signUpThroughForm(page, username, { email: oldEmail });
    await expect(page).toHaveURL(`${apps.app1}/account`);
    const profile = page.getByRole('region', { name: 'Profile' });

    await profile.getByRole('button', { name: 'Edit name' }).click();
    await profile.getByLabel('Name').fill('Mover McMoveface');
    await snapBoth(page, 'email-account-edit-name');
    await profile.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByRole('heading', { name: 'Hello, Mover McMoveface' })).toBeVisible();

    await profile.getByRole('button', { name: 'Change email address' }).click();
    await profile.getByLabel('New email address').fill(newEmail);
    await profile.getByLabel('Current password').fill(PASSWORD);
    await snapBoth(page, 'email-account-change-form');
    await profile.getByRole('button', { name: 'Send confirmation link' }).click();
    await expect(profile.getByText(/Waiting for confirmation/)).toContainText(newEmail);
    await expect(profile.getByText(oldEmail)).toBeVisible();
    await snapBoth(page, 'email-account-change-pending');

    const notice = await mailTo(oldEmail, 'A change of your email address was asked for');
    expect(notice.text).toContain(newEmail);
    expect(notice.text).not.toMatch(/(vfy|chg)_/);
    const link = linkIn(await mailTo(newEmail, 'Confirm your new email address'));
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Your new address is set' })).toBeVisible();
    await snapBoth(page, 'email-change-done');
    await page.getByRole('link', { name: 'Continue' }).click();
    await expect(profile.getByText(newEmail)).toBeVisible();
    await expect(profile.getByText('Verified', { exact: true })).toBeVisible();
    await expect(profile.getByText(/Waiting for confirmation/)).toHaveCount(0);

    // App 2 gets the new claims with the token this browser now holds.
    await page.goto(`${apps.app2}/`);
    await expect(page.getByText(newEmail)).toBeVisible();
    await expect(page.getByText('Mover McMoveface').first()).toBeVisible();
  });

  test('the verify page: verifying, expired, invalid, and no token', async ({ page }) => {
    await page.route('**/api/email/verify', async (route) => {
      await new Promise((r) => setTimeout(r, 2_000));
      await route.fulfill({ status: 410, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://sso.dev/problems/link-expired', title: 'This link has expired', status: 410, code: 'LINK_EXPIRED' }) });
    });
    await page.goto(`${apps.app1}/verify-email#token=vfy_${'A'.repeat(43)}`);
    await expect(page.getByText('Confirming your address…')).toBeVisible();
    await snapBoth(page, 'email-verify-verifying');
    await expect(page.getByRole('heading', { name: 'This link has expired' })).toBeVisible({ timeout: 10_000 });
    await snapBoth(page, 'email-verify-expired');
    await page.unroute('**/api/email/verify');

    await page.goto(`${apps.app1}/verify-email#token=vfy_${'B'.repeat(43)}`);
    await expect(page.getByRole('heading', { name: 'This link is not valid' })).toBeVisible();
    await snapBoth(page, 'email-verify-invalid');
    await page.goto(`${apps.app1}/verify-email`);
    await expect(page.getByText('this address has no token')).toBeVisible();
  });

  test('the check-your-inbox page with its resend: loading, sent, throttled (answers of SSO_REQUIRE_VERIFIED_EMAIL, which this domain has off)', async ({ page }) => {
    const email = 'waiting@example.test';
    await page.route('**/api/login', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ verifyEmail: { email } }) }));
    let resend: 'sent' | 'throttled' = 'sent';
    await page.route('**/api/email/verification', async (route) => {
      await new Promise((r) => setTimeout(r, 1_000));
      if (resend === 'sent') await route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ sentTo: email }) });
      else await route.fulfill({ status: 429, headers: { 'retry-after': '600' }, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://sso.dev/problems/rate-limited', title: 'Too many attempts', status: 429, code: 'RATE_LIMITED', retryAfter: 600 }) });
    });
    await page.goto(`${apps.app1}/login`);
    await page.getByLabel('Username').fill('waiting');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    expect(page.url()).toBe(`${apps.app1}/check-inbox`);
    await snapBoth(page, 'email-check-inbox');

    await page.getByRole('button', { name: 'Send the link again' }).click();
    await expect(page.getByRole('button', { name: 'Sending…' })).toBeVisible();
    await snapBoth(page, 'email-check-inbox-sending');
    await expect(page.getByText(/A new link is on its way to/)).toBeVisible();
    await snapBoth(page, 'email-check-inbox-sent');

    resend = 'throttled';
    await page.getByRole('button', { name: 'Send the link again' }).click();
    await expect(page.getByText(/We sent several links already/)).toBeVisible();
    await snapBoth(page, 'email-check-inbox-throttled');

    await page.getByRole('button', { name: 'Wrong address?' }).click();
    await snapBoth(page, 'email-check-inbox-other-address');
  });

  test('the check-your-inbox page for an account without an address asks for one', async ({ page }) => {
    await page.goto(`${apps.app1}/check-inbox`);
    await expect(page.getByText(/your account has none yet/)).toBeVisible();
    await snapBoth(page, 'email-check-inbox-no-address');
  });
});
