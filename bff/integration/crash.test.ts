import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, storedData } from './harness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bff/app1/src/server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app 1 exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${env.APP1_PORT}/healthz`)).ok) return child;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('app 1 did not start');
}

describe('crash safety', () => {
  it('every acknowledged sign-up survives kill -9 mid-storm, and the file still parses', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sso-crash-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { APP1_PORT: String(port), DATA_DIR: dataDir, BCRYPT_COST: '4', LOG_LEVEL: 'silent', SPA_DIR: path.join(dataDir, 'none') };
    const child = await startChild(env);
    const origin = `http://app1.sso.localhost:${port}`;
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop && n < 5000) {
        const username = `storm${n++}`;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/signup`, {
            method: 'POST',
            headers: { origin, 'content-type': 'application/json' },
            body: JSON.stringify({ username, password: 'correct horse battery' }),
          });
          if (res.status === 201) acknowledged.push(username);
        } catch {
          return; // the process is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 800));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await exited(child);
    expect(acknowledged.length).toBeGreaterThan(20);

    const data = await storedData(dataDir, 'app1');
    const stored = new Set(data.users.map((u: { username: string }) => u.username));
    const lost = acknowledged.filter((u) => !stored.has(u));
    expect(lost).toEqual([]);

    // And it starts again on that file.
    const again = await startChild(env);
    const login = await fetch(`http://127.0.0.1:${port}/api/login`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ username: acknowledged.at(-1), password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    again.kill('SIGTERM');
    expect(await exited(again)).toBe(0);
  });
});
