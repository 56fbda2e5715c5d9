import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, freePort, startDomain, type Domain } from './harness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let domain: Domain;
let app3: ChildProcess;
let url: string;

beforeAll(async () => {
  domain = await startDomain();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  app3 = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'examples/app3/server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, APP1_PORT: domain.env.APP1_PORT, APP3_PORT: String(port), APP3_DB: path.join(domain.dataDir, 'app3.json') },
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('app 3 did not start');
});
afterAll(async () => {
  app3.kill('SIGTERM');
  await domain.stop();
});

describe('a third app built with the kit', () => {
  it('sign in on app 1, call app 3, get the same user, provisioned once', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third', password: 'correct horse battery' } });
    const headers = { cookie: b.cookieHeader('app2') };
    const first = await (await fetch(`${url}/api/me`, { headers })).json();
    const second = await (await fetch(`${url}/api/me`, { headers })).json();
    expect(first.user).toMatchObject({ username: 'third', iss: domain.origins.app1 });
    expect(second.user.id).toBe(first.user.id);
    expect(await (await fetch(`${url}/`, { headers })).text()).toBe('App 3: hello third');
  });

  it('refuses a request without the cookie, and a revoked session after sign-out', async () => {
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'third-out', password: 'correct horse battery' } });
    const headers = { cookie: b.cookieHeader('app2') };
    expect((await fetch(`${url}/api/me`, { headers })).status).toBe(200);
    await b.request('app1', '/api/logout', { json: {} });
    let status = 200;
    for (let i = 0; i < 60 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${url}/api/me`, { headers })).status;
    }
    expect(status).toBe(401);
  });
});
