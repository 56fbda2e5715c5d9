import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, PASSWORD, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';
import { shortApps, shortDomainEnv } from '../short-domain';

/**
 * Real time against real BFFs (a server's clock cannot be injected from a
 * browser test): the short domain runs with SSO_TOKEN_TTL=30,
 * SSO_IDLE_TIMEOUT=60 and SSO_KEY_ACTIVATION_DELAY=30, so one test waits a
 * little over two token lifetimes.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = '__Secure-sso';

/** A new tab in `context`, signed up on the short domain's app 1 through its API. */
async function signUp(context: BrowserContext, username: string): Promise<Page> {
  const page = await context.newPage();
  await signUpThroughApi(page, username, { app1: shortApps.app1 });
  return page;
}

async function tokenKid(context: BrowserContext): Promise<string> {
  const token = (await context.cookies(shortApps.app2)).find((c) => c.name === TOKEN);
  expect(token, 'the domain token cookie').toBeDefined();
  return (JSON.parse(Buffer.from(token!.value.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

/** Every URL a page showed, to prove no sign-in form came up. */
function visited(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

test.describe('sessions that last (30 s tokens, 60 s idle timeout)', () => {
  test('open tabs renew, closed tabs come back signed in, a key rotation costs nobody a sign-in; past the idle timeout the form says why', async ({ browser }) => {
    test.setTimeout(150_000);
    const [openCtx, returningCtx, idleCtx] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    const [openUser, returningUser, idleUser] = [uniqueUser('open'), uniqueUser('back'), uniqueUser('idle')];

    // Two people sign in and close their tabs; one keeps app 2 open.
    await (await signUp(returningCtx, returningUser)).close();
    await (await signUp(idleCtx, idleUser)).close();
    const openTab = await signUp(openCtx, openUser);
    const t0 = Date.now();
    let renewals = 0;
    openTab.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${shortApps.app1}/api/session/refresh`) renewals++;
    });
    const openUrls = visited(openTab);
    await openTab.goto(`${shortApps.app2}/`);
    await expect(openTab.locator('.facts')).toContainText(openUser);
    const oldKid = await tokenKid(openCtx);

    // The operator rotates the signing key while app 2 runs.
    const rotated = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys-rotate.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...shortDomainEnv() },
    }).toString();
    const newKid = /New signing key (\S+)/.exec(rotated)?.[1];
    expect(newKid, rotated).toBeDefined();
    expect(newKid).not.toBe(oldKid);

    // Past one token lifetime (and past the new key's activation): a new tab
    // at app 2 and at app 1's account page shows the person, no form.
    await until(t0 + 38_000);
    const back = await returningCtx.newPage();
    const backUrls = visited(back);
    await back.goto(`${shortApps.app2}/`);
    await expect(back.locator('.facts')).toContainText(returningUser);
    await back.goto(`${shortApps.app1}/account`);
    await expect(back.getByRole('heading', { name: `Hello, ${returningUser}` })).toBeVisible();
    expect(backUrls.filter((u) => new URL(u).pathname === '/login'), 'no sign-in page').toEqual([]);
    expect(await tokenKid(returningCtx), 'renewed with the rotated-in key').toBe(newKid);

    // Past two lifetimes: the open tab renewed itself before each expiry, once per token.
    await until(t0 + 68_000);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(renewals).toBeLessThanOrEqual(4);
    expect(await tokenKid(openCtx)).toBe(newKid);
    await openTab.reload();
    await expect(openTab.locator('.facts')).toContainText(openUser);
    expect(openUrls.filter((u) => new URL(u).pathname === '/login'), 'no sign-in page').toEqual([]);

    // Idle for longer than SSO_IDLE_TIMEOUT: the form, with the reason and returnTo.
    const idle = await idleCtx.newPage();
    await idle.goto(`${shortApps.app2}/`);
    await expect(idle.getByText('You were signed out after 1 minute without activity.')).toBeVisible();
    const login = new URL(idle.url());
    expect(login.origin + login.pathname).toBe(`${shortApps.app1}/login`);
    expect(login.searchParams.get('returnTo')).toBe(`${shortApps.app2}/`);
    await expect(idle.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await snap(idle, 'app1-login-ended-idle');

    // Signing in again there goes back to app 2.
    await idle.getByLabel('Username').fill(idleUser);
    await idle.getByLabel('Password').fill(PASSWORD);
    await idle.getByRole('button', { name: 'Sign in' }).click();
    await expect(idle).toHaveURL(`${shortApps.app2}/`);
    await expect(idle.locator('.facts')).toContainText(idleUser);

    await Promise.all([openCtx.close(), returningCtx.close(), idleCtx.close()]);
  });

  test('a reload once the token is gone lands on the profile without a form: p50 over 10', async ({ browser }) => {
    const context = await browser.newContext();
    const username = uniqueUser('reload');
    const page = await signUp(context, username);
    await page.goto(`${shortApps.app2}/`);
    await expect(page.locator('.facts')).toContainText(username);
    const urls = visited(page);

    const spa: number[] = [];
    const viaLogin: number[] = [];
    for (let i = 0; i < 10; i++) {
      // What the browser holds once the token cookie's lifetime ended: nothing.
      await context.clearCookies({ name: TOKEN });
      let started = Date.now();
      await page.reload();
      await expect(page.locator('.facts')).toContainText(username);
      spa.push(Date.now() - started);

      // The same through app 1's /login (what a server-rendered app does): renewed on the server, straight back.
      await context.clearCookies({ name: TOKEN });
      started = Date.now();
      await page.goto(`${shortApps.app1}/login?returnTo=${encodeURIComponent(`${shortApps.app2}/`)}`);
      await expect(page.locator('.facts')).toContainText(username);
      viaLogin.push(Date.now() - started);
    }
    expect(urls.filter((u) => new URL(u).pathname === '/login' && new URL(u).origin === shortApps.app1 && !u.includes('returnTo')), 'no sign-in form').toEqual([]);
    const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`reload to profile without a token: SPA renewal p50 ${p50(spa)} ms, via app 1 /login p50 ${p50(viaLogin)} ms (10 each)`);
    await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
    await context.close();
  });
});
