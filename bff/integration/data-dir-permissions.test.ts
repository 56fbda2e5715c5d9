import { once } from 'node:events';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_FILE_NAME } from '@sso/session';
import { startApp1 } from '../app1/src/server';
import { startApp2 } from '../app2/src/server';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sso-perm-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const envFor = (dataDir: string) => ({
  DATA_DIR: dataDir,
  APP1_PORT: '0',
  APP2_PORT: '0',
  BCRYPT_COST: '4',
  LOG_LEVEL: 'silent',
  SPA_DIR: path.join(root, 'no-spa'),
});

describe('start-up refuses a DATA_DIR or key file others can touch', () => {
  it.each([
    ['app 1', startApp1],
    ['app 2', startApp2],
  ] as const)('%s refuses a world-writable DATA_DIR with the mode and the chmod fix', async (_name, start) => {
    const dataDir = path.join(root, 'data');
    await start(envFor(dataDir), false).then((s) => s.stop());
    await chmod(dataDir, 0o777);
    const refusal = start(envFor(dataDir), false);
    await expect(refusal).rejects.toMatchObject({ name: 'ConfigError' });
    await expect(refusal).rejects.toThrow(`DATA_DIR ${dataDir} is writable by group/others (mode 0777)`);
    await expect(refusal).rejects.toThrow(`Run chmod 700 ${dataDir}`);
  });

  it('app 1 refuses a 0644 key file with the chmod 600 fix', async () => {
    const dataDir = path.join(root, 'data');
    await startApp1(envFor(dataDir), false).then((s) => s.stop());
    const keyFile = path.join(dataDir, KEY_FILE_NAME);
    await chmod(keyFile, 0o644);
    await expect(startApp1(envFor(dataDir), false)).rejects.toThrow(`Run chmod 600 ${keyFile}`);
  });

  it('app 1 creates a missing DATA_DIR with mode 0700 and its key file with mode 0600', async () => {
    const dataDir = path.join(root, 'fresh', 'data');
    await startApp1(envFor(dataDir), false).then((s) => s.stop());
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, KEY_FILE_NAME))).mode & 0o777).toBe(0o600);
  });

  it('LOG_DIR files are written with mode 0600', async () => {
    const dataDir = path.join(root, 'data');
    const logDir = path.join(root, 'logs');
    await startApp1({ ...envFor(dataDir), LOG_LEVEL: 'info', LOG_DIR: logDir }, false).then((s) => s.stop());
    expect((await stat(path.join(logDir, 'app1.log'))).mode & 0o777).toBe(0o600);
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
  });
});

describe('start-up failures name the variable and the fix', () => {
  it.each([
    ['app 1', startApp1, 'APP1_PORT'],
    ['app 2', startApp2, 'APP2_PORT'],
  ] as const)('%s on a port in use says so, naming %s, not an EADDRINUSE stack', async (_name, start, variable) => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const refusal = start({ ...envFor(path.join(root, 'data')), [variable]: String(port) }, false);
      await expect(refusal).rejects.toMatchObject({ name: 'ConfigError', code: 'EADDRINUSE' });
      await expect(refusal).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (${variable})`);
    } finally {
      blocker.close();
    }
  });

  it('a HOST that is not an address of this machine is named, with what to use instead', async () => {
    const refusal = startApp1({ ...envFor(path.join(root, 'data')), HOST: '0.0.0.0.0' }, false);
    await expect(refusal).rejects.toMatchObject({ name: 'ConfigError' });
    await expect(refusal).rejects.toThrow('HOST="0.0.0.0.0" is not an address of this machine');
  });
});
