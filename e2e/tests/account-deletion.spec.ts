import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { readJournaledStore } from '../../bff/common/src/json-store';
import { apps, expect, PASSWORD, signUpThroughApi, snap, test, uniqueUser } from '../fixtures';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** `npm run admin -- ...` against the running app 1 of this run (lowdb: through its admin socket). */
async function admin(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/admin.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: apps.dataDir, APP1_PORT: process.env.E2E_APP1_PORT, APP2_PORT: process.env.E2E_APP2_PORT },
  });
  return stdout;
}

/** App 2's local users as its store holds them on disk (snapshot and journal). */
async function app2LocalIds(): Promise<string[]> {
  const data = await readJournaledStore(path.join(apps.dataDir, 'app2.json'), { users: (u: { id: string }) => u.id });
  return ((data.users ?? []) as { id: string }[]).map((u) => u.id);
}

test.describe('account deletion', () => {
  test('sign in, visit app 2, download the data and delete the account at app 1: app 2 deletes its local user and its open tab is signed out', async ({ browser }) => {
    const username = uniqueUser('deleter');
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const account = await context.newPage();
      await signUpThroughApi(account, username, { email: `${username}@example.test`, name: 'Dee Leter' });
      // An operator puts the account in a group; the next renewal carries it in the token.
      expect(await admin('group', 'add', username, 'staff')).toContain(`Added ${username} to staff`);
      expect(await account.evaluate(async () => (await fetch('/api/session/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)).toBe(200);

      // App 2 provisions its local user; its tab stays open.
      const app2Tab = await context.newPage();
      await app2Tab.goto(`${apps.app2}/`);
      await expect(app2Tab.getByRole('heading', { name: 'Your profile' })).toBeVisible();
      await expect(app2Tab.getByRole('list', { name: 'Your groups' })).toHaveText('staff');
      for (const width of [375, 1280]) {
        await app2Tab.setViewportSize({ width, height: 900 });
        await snap(app2Tab, `app2-profile-groups-${width}`);
      }
      const localId = (await app2Tab.locator('dt:text-is("App 2 user id") + dd').innerText()).trim();
      expect(localId).toMatch(/^lu_/);
      expect(await app2LocalIds()).toContain(localId);

      await account.goto(`${apps.app1}/account`);
      const data = account.getByRole('region', { name: 'Your data' });
      const danger = account.getByRole('region', { name: 'Delete account' });
      await expect(danger.getByRole('button', { name: 'Delete account…' })).toBeVisible();

      // Download my data: a JSON file with the account, and no secret.
      const [download] = await Promise.all([account.waitForEvent('download'), data.getByRole('button', { name: 'Download my data' }).click()]);
      expect(download.suggestedFilename()).toBe(`account-${username}.json`);
      const exported = JSON.parse(await readFile((await download.path())!, 'utf8'));
      expect(exported.account).toMatchObject({ username, email: `${username}@example.test`, name: 'Dee Leter' });
      expect(JSON.stringify(exported)).not.toMatch(/\$2[aby]?\$|passwordHash|refreshHash/);
      await expect(data.getByText('Your data was downloaded.')).toBeVisible();

      await danger.getByRole('button', { name: 'Delete account…' }).click();
      const confirm = danger.getByRole('group', { name: 'Delete your account for good?' });
      await expect(confirm).toBeVisible();
      // A wrong password first: the account stays.
      await confirm.getByLabel('Your password').fill('not my password');
      await confirm.getByRole('button', { name: 'Delete my account' }).click();
      await expect(confirm.getByText('Your password is wrong. Check it and try again.')).toBeVisible();
      for (const width of [375, 1280]) {
        await account.setViewportSize({ width, height: 900 });
        await data.scrollIntoViewIfNeeded();
        await snap(account, `account-deletion-confirm-${width}`);
        await danger.screenshot({ path: path.join(path.dirname(new URL(import.meta.url).pathname), '../artifacts/screenshots', `account-deletion-card-${width}.png`) });
      }

      await confirm.getByLabel('Your password').fill(PASSWORD);
      await confirm.getByRole('button', { name: 'Delete my account' }).click();
      const deletedAt = Date.now();
      await expect(account.getByRole('heading', { name: 'Your account is deleted' })).toBeVisible();
      await expect(account.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
      for (const width of [375, 1280]) {
        await account.setViewportSize({ width, height: 900 });
        await snap(account, `account-deleted-${width}`);
      }

      // App 2's open tab is signed out (it checks /api/me every second; renewal finds no session).
      await expect(app2Tab).toHaveURL(new RegExp(`^${apps.app1}/login`), { timeout: 5_000 });
      // App 2 deleted its local user, from app 1's revocation feed.
      await expect.poll(app2LocalIds, { timeout: 3_000 }).not.toContain(localId);
      expect(Date.now() - deletedAt).toBeLessThan(5_000);

      // Signing in again fails: the account is gone.
      await app2Tab.getByLabel('Username').fill(username);
      await app2Tab.getByLabel('Password').fill(PASSWORD);
      await app2Tab.getByRole('button', { name: 'Sign in' }).click();
      await expect(app2Tab.getByRole('alert')).toContainText("That username and password don't match");
    } finally {
      await context.close();
    }
  });
});
