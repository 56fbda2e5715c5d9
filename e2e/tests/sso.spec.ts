import { apps, expect, PASSWORD, signUpThroughApi, signUpThroughForm, test, uniqueUser } from '../fixtures';

test.describe('sign in once, signed in everywhere', () => {
  test('sign up on app 1, then app 2 shows the same user, created there; reload keeps it', async ({ page }) => {
    const username = uniqueUser('ada');
    await signUpThroughForm(page, username, { name: 'Ada Lovelace', email: 'ada@example.test' });
    await expect(page).toHaveURL(`${apps.app1}/account`);
    await expect(page.getByRole('heading', { name: 'Hello, Ada Lovelace' })).toBeVisible();

    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await expect(page.getByText('was created just now')).toBeVisible();
    await expect(page.locator('.facts')).toContainText(username);
    await expect(page.locator('.facts')).toContainText('ada@example.test');

    await page.reload();
    await expect(page.locator('.facts')).toContainText(username);
  });

  test('the token cookie is invisible to JavaScript on both apps', async ({ page, context }) => {
    const username = uniqueUser('hidden');
    await signUpThroughApi(page, username);
    await page.goto(`${apps.app1}/account`);
    await expect(page.getByRole('heading', { name: `Hello, ${username}` })).toBeVisible();
    const cookies = await context.cookies();
    const token = cookies.find((c) => c.name === '__Secure-sso');
    expect(token).toMatchObject({ domain: '.sso.localhost', httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain(token!.value);
    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    expect(await page.evaluate(() => document.cookie)).not.toContain(token!.value);
  });

  test('signed out at app 2: sent to app 1 sign-in with returnTo, then back to app 2 signed in', async ({ page, browser }) => {
    const username = uniqueUser('returner');
    const setup = await browser.newPage();
    await signUpThroughForm(setup, username);
    await expect(setup).toHaveURL(`${apps.app1}/account`);
    await setup.close();

    await page.goto(`${apps.app2}/`);
    await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login\\?returnTo=`));
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe(`${apps.app2}/`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${apps.app2}/`);
    await expect(page.locator('.facts')).toContainText(username);
  });

  test('sign out on app 2 signs out on app 1 too', async ({ page }) => {
    await signUpThroughApi(page, uniqueUser('leaver'));
    await page.goto(`${apps.app2}/`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).last().click();
    await expect(page).toHaveURL(`${apps.app2}/signed-out`);
    await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

    await page.goto(`${apps.app1}/account`);
    await expect(page).toHaveURL(`${apps.app1}/login`);
    await page.goto(`${apps.app2}/`);
    await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login`));
  });
});
