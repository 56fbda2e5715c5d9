import { apps, expect, PASSWORD, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';

test.describe('your devices', () => {
  test('two browsers as one person: the first lists both and ends the second, whose app 2 tab is signed out within 2 s', async ({ browser }) => {
    const username = uniqueUser('twodev');
    const laptop = await browser.newContext();
    const phone = await browser.newContext({
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    });
    try {
      const first = await laptop.newPage();
      await signUpThroughApi(first, username);

      // The second browser signs in through the form and opens app 2.
      const second = await phone.newPage();
      await second.goto(`${apps.app1}/login`);
      await second.getByLabel('Username').fill(username);
      await second.getByLabel('Password').fill(PASSWORD);
      await second.getByRole('button', { name: 'Sign in' }).click();
      await expect(second).toHaveURL(`${apps.app1}/account`);
      await second.goto(`${apps.app2}/`);
      await expect(second.getByRole('heading', { name: 'Your profile' })).toBeVisible();

      await first.goto(`${apps.app1}/account`);
      const devices = first.getByRole('region', { name: 'Your devices' });
      await expect(devices.getByRole('listitem')).toHaveCount(2);
      await expect(devices.getByRole('listitem').first()).toContainText('This device');
      const other = devices.getByRole('listitem').nth(1);
      await expect(other).toContainText('Safari 18 on iOS 18.1');
      await expect(other).toContainText('127.0.0.1');
      for (const width of [375, 1280]) {
        await first.setViewportSize({ width, height: 900 });
        await snap(first, `devices-account-${width}`);
      }
      await first.setViewportSize({ width: 1280, height: 900 });

      await other.getByRole('button', { name: 'End session: Safari 18 on iOS 18.1' }).click();
      const endedAt = Date.now();
      await expect(devices.getByText('1 other device was signed out.')).toBeVisible();
      await expect(devices.getByRole('listitem')).toHaveCount(1);

      // The second browser's app 2 tab, left open, goes to app 1's sign-in saying why.
      await expect(second).toHaveURL(new RegExp(`^${apps.app1}/login\\?`), { timeout: 2_000 });
      expect(Date.now() - endedAt).toBeLessThan(2_000);
      await expect(second.getByText('You signed out on another device.')).toBeVisible();
      await snap(second, 'devices-ended-1280');

      // The first browser is still signed in, at both apps.
      await first.goto(`${apps.app2}/`);
      await expect(first.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    } finally {
      await laptop.close();
      await phone.close();
    }
  });
});
