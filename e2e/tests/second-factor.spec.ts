import { Secret, TOTP } from 'otpauth';
import { apps, expect, PASSWORD, snap, signUpThroughForm, test, uniqueUser } from '../fixtures';

/** The code an authenticator app shows for `secret` now (the test is the phone). */
const codeFor = (secret: string, at = Date.now()) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
const step = (at = Date.now()) => Math.floor(at / 30_000);

test.describe('two-step sign-in with an authenticator app', () => {
  test('enrol on the account page, then sign in from app 2 with the password and a code (and with a recovery code)', async ({ page, context }) => {
    test.setTimeout(120_000);
    const username = uniqueUser('totp');
    await signUpThroughForm(page, username);
    await expect(page).toHaveURL(`${apps.app1}/account`);

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    for (const [w, h] of [[1280, 900], [375, 800]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await snap(page, `two-step-setup-${w}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    const enrolledAt = Date.now();
    await page.getByLabel('Code from the app').fill(codeFor(secret, enrolledAt));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect(codes).toHaveCount(10);
    const recoveryCode = (await codes.first().textContent())!.trim();
    for (const [w, h] of [[1280, 900], [375, 800]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await snap(page, `two-step-recovery-codes-${w}`);
    }
    await page.getByRole('button', { name: 'I saved them' }).click();
    await expect(page.getByText('Recovery codes left')).toContainText('10');
    for (const [w, h] of [[1280, 900], [375, 800]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await snap(page, `two-step-enabled-${w}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // A new browser session: the password alone sets no domain cookie.
    await context.clearCookies();
    await page.goto(`${apps.app2}/`);
    await expect(page).toHaveURL(/\/login\?returnTo=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Secure-sso');
    for (const [w, h] of [[1280, 900], [375, 800]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await snap(page, `two-step-sign-in-${w}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('That code is not valid, or it was used already.').first()).toBeVisible();
    await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCode);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();

    // Again with the app's code, from a step after the one enrolment used (a code works once).
    await context.clearCookies();
    while (step() <= step(enrolledAt)) await page.waitForTimeout(500);
    await page.goto(`${apps.app1}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await expect(page.getByText('Recovery codes left')).toContainText('9');
    const token = (await context.cookies()).find((c) => c.name === '__Secure-sso')!;
    expect(JSON.parse(Buffer.from(token.value.split('.')[1]!, 'base64url').toString()).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
