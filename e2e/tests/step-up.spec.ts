import { Secret, TOTP } from 'otpauth';
import type { Page } from '@playwright/test';
import { apps, expect, PASSWORD, snap, signUpThroughApi, signUpThroughForm, test, uniqueUser } from '../fixtures';

/** The code an authenticator app shows for `secret` at `at` (the test is the phone). */
const codeFor = (secret: string, at = Date.now()) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
const step = (at = Date.now()) => Math.floor(at / 30_000);

async function bothWidths(page: Page, name: string) {
  for (const [w, h] of [[1280, 900], [375, 800]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await snap(page, `${name}-${w}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Turns TOTP on from the account page with the code of the PREVIOUS step
 * (one step of drift is accepted): the current step's code is then still
 * unused, so the step-up that follows needs no wait. Away from a step's
 * end, so "previous" and "current" stay what they are while the form posts.
 */
async function enrolWithPreviousCode(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  while (Date.now() % 30_000 > 24_000) await page.waitForTimeout(500);
  await page.getByLabel('Code from the app').fill(codeFor(secret, Date.now() - 30_000));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('button', { name: 'I saved them' }).click();
  await expect(page.getByText('Recovery codes left')).toContainText('10');
  return secret;
}

test.describe('step-up: a relying app page that needs a second factor', () => {
  test('signed in with the password, TOTP turned on afterwards: app 2 security page sends the browser to app 1 for the code only, and back', async ({ page, context }) => {
    test.setTimeout(120_000);
    const username = uniqueUser('stepup');
    await signUpThroughForm(page, username);
    await expect(page).toHaveURL(`${apps.app1}/account`);
    const secret = await enrolWithPreviousCode(page);
    const enrolledStep = step() - 1;

    // Recent authentication: a password change now asks for the second factor inline.
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill('an even better passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
    await page.getByRole('group', { name: "Confirm it's you" }).scrollIntoViewIfNeeded();
    await bothWidths(page, 'recent-auth-prompt');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // App 2: the profile opens with the password-only session; its security page does not.
    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await page.getByRole('link', { name: 'Security settings' }).click();
    await expect(page).toHaveURL(/\/login\/step-up\?/);
    const at = new URL(page.url());
    expect(at.origin).toBe(apps.app1);
    expect(at.searchParams.get('returnTo')).toBe(`${apps.app2}/security`);
    expect(at.searchParams.get('max_age')).toBe('900');
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
    await expect(page.getByText(`You are signed in as ${username}`)).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
    await bothWidths(page, 'step-up');

    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('That code is not valid, or it was used already.').first()).toBeVisible();
    await bothWidths(page, 'step-up-wrong-code');

    expect(step()).toBeGreaterThan(enrolledStep);
    await page.getByLabel('Code from your authenticator app').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${apps.app2}/security`);
    await expect(page.getByRole('heading', { name: 'Security settings' })).toBeVisible();
    await expect(page.getByText('Password and one-time code')).toBeVisible();
    await bothWidths(page, 'security-settings');
    const token = (await context.cookies()).find((c) => c.name === '__Secure-sso')!;
    const claims = JSON.parse(Buffer.from(token.value.split('.')[1]!, 'base64url').toString());
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(30);

    // A page load of /security now passes BFF 2's guard (no redirect).
    await page.goto(`${apps.app2}/security`);
    await expect(page).toHaveURL(`${apps.app2}/security`);
    await expect(page.getByRole('heading', { name: 'Security settings' })).toBeVisible();

    // A dead session: the sign-in form first (password, then the code), then straight back to the security page.
    await context.clearCookies();
    while (step() <= step(claims.auth_time * 1000)) await page.waitForTimeout(500);
    await page.goto(`${apps.app2}/security`);
    await expect(page).toHaveURL(/\/login\?returnTo=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${apps.app2}/security`);
    await expect(page.getByRole('heading', { name: 'Security settings' })).toBeVisible();
  });

  test('a person with no second factor is told to set one up, with a link to the account page', async ({ page }) => {
    await signUpThroughApi(page, uniqueUser('nofactor'));
    await page.goto(`${apps.app2}/security`);
    await expect(page).toHaveURL(/\/login\/step-up\?/);
    await expect(page.getByRole('heading', { name: 'Two-step sign-in needed' })).toBeVisible();
    await bothWidths(page, 'step-up-not-enrolled');
    await page.getByRole('link', { name: 'Set up two-step sign-in' }).click();
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await expect(page.getByRole('button', { name: 'Set up an authenticator app' })).toBeVisible();
  });
});

test.describe('step-up pages while loading and when they cannot load', () => {
  test('the step-up page and the security page: loading and error states', async ({ page }) => {
    await signUpThroughApi(page, uniqueUser('states'));
    const stepUpUrl = `${apps.app1}/login/step-up?returnTo=${encodeURIComponent(`${apps.app2}/security`)}&max_age=900`;

    // Loading: the status answer held back.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/session/step-up?**', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(stepUpUrl);
    await expect(page.getByText('Checking your session…')).toBeVisible();
    await bothWidths(page, 'step-up-loading');
    release();
    await expect(page.getByRole('heading', { name: 'Two-step sign-in needed' })).toBeVisible();
    await page.unroute('**/api/session/step-up?**');

    // Error: app 1 cannot answer the status.
    await page.route('**/api/session/step-up?**', (route) => route.abort());
    await page.goto(stepUpUrl);
    await expect(page.getByRole('alert')).toContainText("Can't reach the server");
    await bothWidths(page, 'step-up-error');
    await page.unroute('**/api/session/step-up?**');

    // App 2's security page when BFF 2 cannot reach app 1.
    await page.route('**/api/security', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'https://sso.dev/problems/identity-unavailable', title: 'The identity service cannot be reached', status: 503, code: 'IDENTITY_UNAVAILABLE' }),
      }),
    );
    await page.goto(`${apps.app2}/`);
    await page.getByRole('link', { name: 'Security settings' }).click();
    await expect(page.getByRole('heading', { name: 'We could not load your security settings' })).toBeVisible();
    await bothWidths(page, 'security-settings-error');
  });
});
