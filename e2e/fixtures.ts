import { test as base, expect, type Page } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts/screenshots');

export const apps = {
  app1: `http://app1.sso.localhost:${process.env.E2E_APP1_PORT}`,
  app2: `http://app2.sso.localhost:${process.env.E2E_APP2_PORT}`,
  app1Direct: `http://127.0.0.1:${process.env.E2E_APP1_PORT}`,
  dataDir: process.env.E2E_DATA_DIR!,
};

let counter = 0;
/** A username no other test uses. */
export const uniqueUser = (prefix = 'user') => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
export const PASSWORD = 'correct horse battery';

/** Kept as test artifacts: every page at the widths people use. */
export async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Signs up through app 1's form. */
export async function signUpThroughForm(page: Page, username: string, extra: { name?: string; email?: string } = {}) {
  await page.goto(`${apps.app1}/signup`);
  await page.getByLabel('Username').fill(username);
  if (extra.name) await page.getByLabel('Full name (optional)').fill(extra.name);
  if (extra.email) await page.getByLabel('Email (optional)').fill(extra.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/**
 * Signs up through app 1's API from inside the browser, for tests where being
 * signed in is only a precondition. The fetch runs on app 1's own origin (its
 * /healthz page), so the cookies land exactly as the form's sign-up sets them.
 * Leaves the page on that /healthz page.
 */
export async function signUpThroughApi(page: Page, username: string, options: { name?: string; email?: string; app1?: string } = {}) {
  const { app1 = apps.app1, ...extra } = options;
  await page.goto(`${app1}/healthz`);
  const status = await page.evaluate(
    async (body) => (await fetch('/api/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status,
    { username, password: PASSWORD, ...extra },
  );
  expect(status, `sign-up of ${username} through the API`).toBe(201);
}

export const test = base;
export { expect };

/** SPA 2 under `vite --mode mock` (no BFF). */
export const mockApp2 = `http://app2.sso.localhost:${process.env.E2E_MOCK_PORT}`;
