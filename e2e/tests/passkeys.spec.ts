import type { CDPSession, Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { apps, expect, PASSWORD, snap, signUpThroughApi, signUpThroughForm, test, uniqueUser } from '../fixtures';

/**
 * Passkeys in real Chromium with the DevTools virtual authenticator (a
 * platform authenticator with resident keys and user verification): register
 * on the account page, sign in with no username, and use the passkey as the
 * second factor after a password.
 */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

const amrOf = async (page: Page) => {
  const token = (await page.context().cookies()).find((c) => c.name === '__Secure-sso')!;
  return JSON.parse(Buffer.from(token.value.split('.')[1]!, 'base64url').toString()).amr;
};

async function snapBoth(page: Page, name: string, region?: string) {
  for (const [w, h] of [[1280, 900], [375, 800]] as const) {
    await page.setViewportSize({ width: w, height: h });
    if (region) await page.getByRole('region', { name: region }).screenshot({ path: `e2e/artifacts/screenshots/${name}-${w}.png` });
    else await snap(page, `${name}-${w}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function addPasskey(page: Page, name: string) {
  const card = page.getByRole('region', { name: 'Passkeys' });
  await card.getByLabel('Name of the new passkey').fill(name);
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(card.getByText(`Passkey “${name}” added.`)).toBeVisible();
  return card;
}

test.describe('passkeys', () => {
  test('register on the account page, sign out, sign in with the passkey and no username, land signed in at app 2', async ({ page, context }) => {
    test.setTimeout(90_000);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    const username = uniqueUser('pk');
    await signUpThroughForm(page, username);
    await expect(page).toHaveURL(`${apps.app1}/account`);
    const card = page.getByRole('region', { name: 'Passkeys' });
    await expect(card.getByText('No passkey yet.')).toBeVisible();
    await snapBoth(page, 'passkeys-card-empty', 'Passkeys');

    await addPasskey(page, 'Laptop');
    await expect(card.getByText('Laptop', { exact: true })).toBeVisible();
    await expect(card.getByText(/never used/)).toBeVisible();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('app1.sso.localhost');
    await snapBoth(page, 'passkeys-card-one', 'Passkeys');
    // The same authenticator cannot register twice (excludeCredentials): the browser refuses, the page says so.
    await card.getByLabel('Name of the new passkey').fill('Again');
    await card.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(card.getByText('This device already has a passkey for this account.')).toBeVisible();
    await snapBoth(page, 'passkeys-card-error', 'Passkeys');
    await card.getByRole('button', { name: 'Rename Laptop' }).click();
    await snapBoth(page, 'passkeys-card-rename', 'Passkeys');
    await card.getByLabel('New name for “Laptop”').fill('Work laptop');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card.getByText('Work laptop', { exact: true })).toBeVisible();
    await card.getByRole('button', { name: 'Remove Work laptop' }).click();
    await snapBoth(page, 'passkeys-card-remove', 'Passkeys');
    await card.getByRole('button', { name: 'Keep it' }).click();

    // Sign out, then open app 2: it sends the browser to app 1's sign-in page.
    await page.getByRole('button', { name: /^Sign out/ }).first().click();
    await expect(page).toHaveURL(/\/login/);
    await context.clearCookies();
    await page.goto(`${apps.app2}/`);
    await expect(page).toHaveURL(/\/login\?returnTo=/);
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
    await snapBoth(page, 'passkeys-sign-in');

    // While the browser waits for the person, the button says so (no touch yet: presence not simulated).
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page.getByRole('button', { name: 'Waiting for your passkey…' })).toBeDisabled();
    await snapBoth(page, 'passkeys-sign-in-waiting');
    await page.reload();
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });

    // A passkey that cannot verify the person is not enough on its own: the page says so and stays.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page.getByText(/cancelled or timed out|not accepted here/)).toBeVisible({ timeout: 15_000 });
    await snapBoth(page, 'passkeys-sign-in-error');
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });

    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await expect(page.getByText(username).first()).toBeVisible();
    expect(await amrOf(page)).toEqual(['hwk', 'mfa']);

    // The account page says when it was last used.
    await page.goto(`${apps.app1}/account`);
    await expect(page.getByRole('region', { name: 'Passkeys' }).getByText(/last used/)).toBeVisible();
  });

  test('with two-step sign-in on, a passkey is the second factor after the password', async ({ page, context }) => {
    test.setTimeout(90_000);
    await virtualAuthenticator(page);
    const username = uniqueUser('pk2');
    await signUpThroughForm(page, username);
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    const code = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate();
    await page.getByLabel('Code from the app').fill(code);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('button', { name: 'I saved them' }).click();
    const card = await addPasskey(page, 'Phone');
    // Removing it needs recent authentication: this session signed in with the password before TOTP was on.
    await card.getByRole('button', { name: 'Remove Phone' }).click();
    await card.getByRole('button', { name: 'Remove', exact: true }).click();
    const prompt = card.getByRole('group', { name: "Confirm it's you" });
    await expect(prompt.getByText(/Removing a passkey needs a recent sign-in/)).toBeVisible();
    await expect(prompt.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
    await expect(prompt.getByLabel('Code from your authenticator app')).toBeVisible();
    await snapBoth(page, 'passkeys-remove-recent-auth', 'Passkeys');
    await card.getByRole('button', { name: 'Keep it' }).click();
    await expect(card.getByText('Phone', { exact: true })).toBeVisible();

    await context.clearCookies();
    await page.goto(`${apps.app1}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Secure-sso');
    await snapBoth(page, 'passkeys-second-factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await expect(page.getByRole('heading', { name: /Hello/ })).toBeVisible();
    expect(await amrOf(page)).toEqual(['pwd', 'hwk', 'mfa']);
    // Signed in just now with the second factor: the removal needs no prompt.
    const after = page.getByRole('region', { name: 'Passkeys' });
    await after.getByRole('button', { name: 'Remove Phone' }).click();
    await after.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(after.getByText('No passkey yet.')).toBeVisible();
  });

  test('step-up with a passkey: app 2 security page, a passkey alone (verified) and beside a code, back with amr hwk+mfa', async ({ page }) => {
    test.setTimeout(120_000);
    await virtualAuthenticator(page);
    const username = uniqueUser('pkstep');
    await signUpThroughForm(page, username);
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await addPasskey(page, 'Laptop');
    expect(await amrOf(page)).toEqual(['pwd']);

    // No authenticator app: the step-up page offers the passkey alone.
    await page.goto(`${apps.app2}/`);
    await page.getByRole('link', { name: 'Security settings' }).click();
    await expect(page).toHaveURL(/\/login\/step-up\?/);
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
    await expect(page.getByLabel('Code from your authenticator app')).toHaveCount(0);
    await snapBoth(page, 'step-up-passkey-only');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(`${apps.app2}/security`);
    expect(await amrOf(page)).toEqual(['pwd', 'hwk', 'mfa']);

    // With two-step sign-in on, the passkey sits beside the code (max_age=1: asked again a moment later).
    await page.goto(`${apps.app1}/account`);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.waitForTimeout(2_000);
    await page.goto(`${apps.app1}/login/step-up?returnTo=${encodeURIComponent(`${apps.app2}/security`)}&max_age=1`);
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
    await expect(page.getByLabel('Code from your authenticator app')).toBeVisible();
    await snapBoth(page, 'step-up-passkey-and-code');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(`${apps.app2}/security`);
    expect(await amrOf(page)).toEqual(['pwd', 'hwk', 'mfa']);
  });

  test('the passkey card while its list loads, and when it cannot be loaded', async ({ page }) => {
    await signUpThroughApi(page, uniqueUser('pk3'));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/account/passkeys', async (route) => {
      await held;
      await route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Storage is unavailable', status: 503, code: 'STORE_UNAVAILABLE' }) });
    });
    await page.goto(`${apps.app1}/account`);
    const card = page.getByRole('region', { name: 'Passkeys' });
    await expect(card.getByText('Loading your passkeys…')).toBeVisible();
    await snapBoth(page, 'passkeys-card-loading', 'Passkeys');
    release();
    await expect(card.getByRole('button', { name: 'Try again' })).toBeVisible();
    await snapBoth(page, 'passkeys-card-unavailable', 'Passkeys');
    await page.unroute('**/api/account/passkeys');
    await card.getByRole('button', { name: 'Try again' }).click();
    await expect(card.getByText('No passkey yet.')).toBeVisible();
  });
});
