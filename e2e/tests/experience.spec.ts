import { apps, expect, mockApp2, PASSWORD, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';

test('app 2 shows the profile after exactly one /api/me request, with no waterfall', async ({ page }) => {
  await signUpThroughApi(page, uniqueUser('fast'));
  const apiCalls: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) apiCalls.push(`${url.host}${url.pathname}`);
  });
  const started = Date.now();
  await page.goto(`${apps.app2}/`);
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
  const elapsed = Date.now() - started;
  console.log(`app 2: navigation to visible profile ${elapsed} ms`);
  expect(apiCalls).toEqual([`${new URL(apps.app2).host}/api/me`]);
});

test('a signed-out visit to app 1 logs no console error and no failed request', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  const sessionChecks: number[] = [];
  let renewals = 0;
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/api/session') sessionChecks.push(res.status());
  });
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/session/refresh') renewals++;
  });

  // The sign-in page itself, and the home page, which sends a signed-out visitor there.
  for (const start of ['/login', '/']) {
    await page.goto(`${apps.app1}${start}`);
    await expect(page).toHaveURL(`${apps.app1}/login`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('Username')).toBeVisible();
    await page.waitForLoadState('networkidle');
  }
  expect(problems).toEqual([]);
  // The session was checked (answered 200 { user: null }), and nothing tried to renew.
  expect(sessionChecks).toEqual([200, 200]);
  expect(renewals).toBe(0);
});

test('keyboard only: sign in with Tab and Enter, errors announced and focused', async ({ page }) => {
  const username = uniqueUser('keys');
  await signUpThroughApi(page, username); // answered 201 before it returns: no Set-Cookie can arrive after the clear
  await page.context().clearCookies();
  await page.goto(`${apps.app1}/login`);
  // Skip link first, then the header links, then the form.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.getByLabel('Username').focus();
  await page.keyboard.press('Enter'); // submit the empty form
  await expect(page.getByRole('alert')).toContainText('Some fields need attention.');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type('wrong password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText("That username and password don't match.");
  await page.getByLabel('Password').fill('');
  await page.getByLabel('Password').focus();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${apps.app1}/account`);
});

test('npm run dev:mock: SPA 2 renders its mocked profile with no BFF', async ({ page }) => {
  await page.goto(`${mockApp2}/`);
  await expect(page.getByText('Mock mode: answers come from msw handlers')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.facts')).toContainText('demo@example.test');
  await snap(page, 'app2-mock-profile-1280');
  await page.goto(`${mockApp2}/?mock=unavailable`);
  await expect(page.getByRole('alert')).toContainText('The sign-in service is not answering right now.', { timeout: 30_000 });
});
