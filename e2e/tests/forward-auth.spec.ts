import type { Page } from '@playwright/test';
import { apps, expect, PASSWORD, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';
import { skipUnlessProxy, startEchoUpstream, startProxy, type EchoUpstream, type ProxyKind, type RunningProxy } from '../../bff/integration/reverse-proxies';

/**
 * Any app behind nginx or Caddy, with no auth code: the upstream only
 * echoes the Remote-* headers it got. The proxies run the configs of
 * examples/nginx and examples/caddy; app 1 (the e2e domain) trusts
 * loopback and has a group rule on /admin (playwright.config.ts).
 */
const app1Port = Number(process.env.E2E_APP1_PORT);

/** The Remote-* headers the upstream reports for the page shown. */
async function upstreamSaw(page: Page): Promise<Record<string, string>> {
  const text = await page.locator('body').textContent();
  return (JSON.parse(text ?? '') as { remote: Record<string, string> }).remote;
}

const signUp = (page: Page, username: string) => signUpThroughApi(page, username);

for (const kind of ['nginx', 'caddy'] as ProxyKind[]) {
  test.describe(`an app behind ${kind}`, () => {
    // Skipped only on a developer machine without Debian's nginx/caddy (the
    // reason is the one-line apt install hint); under CI=true skipUnlessProxy
    // throws instead, so CI never skips these (.ci/run installs both).
    const missing = skipUnlessProxy(kind);
    test.skip(missing !== null, missing ?? '');

    let upstream: EchoUpstream;
    let proxy: RunningProxy;
    test.beforeAll(async () => {
      upstream = await startEchoUpstream();
      proxy = await startProxy(kind, { app1: app1Port, upstream: upstream.port });
    });
    test.afterAll(async () => {
      await proxy?.stop();
      await upstream?.close();
    });

    test('not signed in: app 1 sign-in, then straight back to the proxied URL, and the upstream sees the user', async ({ page }) => {
      const username = uniqueUser(`${kind}in`);
      await signUp(page, username);
      await page.context().clearCookies();

      await page.goto(`${proxy.origin}/notes?id=7`);
      await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login\\?returnTo=`));
      expect(new URL(page.url()).searchParams.get('returnTo')).toBe(`${proxy.origin}/notes?id=7`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page).toHaveURL(`${proxy.origin}/notes?id=7`);
      const seen = await upstreamSaw(page);
      expect(seen['remote-user']).toBe(username);
      expect(seen['remote-groups'] ?? '').toBe(''); // nginx drops an empty header, Caddy passes it empty
    });

    test('a group rule gives the 403 page', async ({ page }) => {
      const username = uniqueUser(`${kind}deny`);
      await signUp(page, username);
      const res = await page.goto(`${proxy.origin}/admin`);
      expect(res?.status()).toBe(403);
      // Caddy hands the browser app 1's page; nginx shows its own 403 page.
      await expect(page.getByRole('heading', { name: kind === 'caddy' ? 'Access denied' : '403 Forbidden' })).toBeVisible();
      expect(upstream.seen.some((s) => s.path === '/admin')).toBe(false);
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        await snap(page, `forward-auth-403-${kind}-${width}`);
      }
    });

    test('sign out at app 1: the next request goes to sign-in', async ({ page }) => {
      const username = uniqueUser(`${kind}out`);
      await signUp(page, username);
      await page.goto(`${proxy.origin}/`);
      expect((await upstreamSaw(page))['remote-user']).toBe(username);

      await page.goto(`${apps.app1}/account`);
      await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
      await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login`));

      await page.goto(`${proxy.origin}/`);
      await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login\\?returnTo=`));
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    });

    test('a client that sends Remote-User itself never reaches the upstream with it', async ({ page }) => {
      const username = uniqueUser(`${kind}forge`);
      await signUp(page, username);
      await page.setExtraHTTPHeaders({ 'Remote-User': 'root', 'Remote-Groups': 'admins', 'Remote-Email': 'root@example.com' });
      await page.goto(`${proxy.origin}/`);
      const seen = await upstreamSaw(page);
      expect(seen['remote-user']).toBe(username);
      expect(seen['remote-groups'] ?? '').toBe('');
      expect(seen['remote-email'] ?? '').toBe('');
      // Not signed in, on a public path: still none of the forged values.
      await page.context().clearCookies();
      await page.goto(`${proxy.origin}/public/x`);
      expect(Object.values(await upstreamSaw(page)).every((v) => v === '')).toBe(true);
      // And the forged group opens nothing.
      await page.goto(`${proxy.origin}/admin`);
      await expect(page).toHaveURL(new RegExp(`^${apps.app1}/login`));
    });
  });
}
