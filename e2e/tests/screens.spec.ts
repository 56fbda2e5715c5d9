import { apps, expect, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';

/** Screenshots of every page at phone and desktop widths, kept in e2e/artifacts/screenshots. */
for (const [label, width, height] of [['375', 375, 812], ['1280', 1280, 800]] as const) {
  test(`every page renders at ${label} px`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await page.goto(`${apps.app1}/login`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page).toHaveTitle('Sign in · Identity');
    await snap(page, `app1-login-${label}`);

    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Some fields need attention.')).toBeVisible();
    await snap(page, `app1-login-errors-${label}`);

    await page.goto(`${apps.app1}/signup`);
    await expect(page).toHaveTitle('Create account · Identity');
    await snap(page, `app1-signup-${label}`);

    // Signing up through the form is sso.spec.ts's test; here it only opens the signed-in pages.
    await signUpThroughApi(page, uniqueUser('shot'), { name: 'Grace Hopper', email: 'grace@example.test' });
    await page.goto(`${apps.app1}/account`);
    await expect(page.getByRole('heading', { name: 'Hello, Grace Hopper' })).toBeVisible();
    await snap(page, `app1-account-${label}`);

    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await expect(page).toHaveTitle('Your profile · App 2');
    await snap(page, `app2-profile-${label}`);

    await page.getByRole('button', { name: 'Sign out' }).last().click();
    await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
    await snap(page, `app2-signed-out-${label}`);
  });
}
