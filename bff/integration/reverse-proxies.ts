import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './harness';

/**
 * Real nginx and Caddy in front of an upstream with no auth code, for the
 * forward-auth tests. The configs are the ready-to-copy files in
 * examples/nginx and examples/caddy with only addresses replaced, so the
 * snippets people copy are the ones tested.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = path.join(repoRoot, 'examples');

export type ProxyKind = 'nginx' | 'caddy';
const BINARIES: Record<ProxyKind, string[]> = { nginx: ['/usr/sbin/nginx', '/usr/bin/nginx'], caddy: ['/usr/bin/caddy', '/usr/local/bin/caddy'] };
/** The host names the example configs serve. */
export const PROXIED_HOSTS: Record<ProxyKind, string> = { nginx: 'app4.sso.localhost', caddy: 'app5.sso.localhost' };

/** The binary, or null. */
export function findProxy(kind: ProxyKind): string | null {
  return BINARIES[kind].find((p) => existsSync(p)) ?? null;
}

/**
 * Why a proxy test cannot run here, or null when it can. Under CI=true a
 * missing binary is a failure (the caller throws), never a skip.
 */
export function missingProxy(kind: ProxyKind): string | null {
  if (findProxy(kind)) return null;
  return `${kind} is not installed: sudo apt-get install ${kind} (CI installs it: .ci/run)`;
}

/** Throws under CI when the proxy is missing; otherwise says whether to skip. */
export function skipUnlessProxy(kind: ProxyKind): string | null {
  const missing = missingProxy(kind);
  if (missing && process.env.CI === 'true') throw new Error(`CI=true and ${missing}`);
  return missing;
}

/** An upstream with no auth code: answers every request with the Remote-* headers it got, as JSON. */
export interface EchoUpstream {
  port: number;
  /** Every request it saw: path and Remote-* headers. */
  seen: { path: string; remote: Record<string, string> }[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: EchoUpstream['seen'] = [];
  const server: Server = createServer((req, res) => {
    const remote = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('remote-')).map(([k, v]) => [k, String(v)]));
    seen.push({ path: req.url ?? '', remote });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ upstream: 'echo', path: req.url, remote }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RunningProxy {
  kind: ProxyKind;
  port: number;
  /** `http://<host>:<port>`: the origin a browser uses (the domain cookie reaches it). */
  origin: string;
  host: string;
  stop(): Promise<void>;
}

/** The example config with the test's addresses in place of the documented ones. */
async function renderNginx(dir: string, ports: { listen: number; app1: number; upstream: number }): Promise<string> {
  const snippets = path.join(dir, 'snippets');
  await mkdir(snippets, { recursive: true });
  const retarget = (text: string) => text.replaceAll('127.0.0.1:3001', `127.0.0.1:${ports.app1}`).replaceAll('127.0.0.1:8000', `127.0.0.1:${ports.upstream}`);
  for (const name of ['sso-authz.conf', 'sso-protect.conf']) {
    await writeFile(path.join(snippets, name), retarget(await readFile(path.join(EXAMPLES, 'nginx', name), 'utf8')));
  }
  const site = retarget(await readFile(path.join(EXAMPLES, 'nginx', 'site.conf'), 'utf8'))
    .replaceAll('listen 80', `listen 127.0.0.1:${ports.listen}`)
    .replaceAll('/etc/nginx/snippets/', `${snippets}/`);
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp-body;
    proxy_temp_path ${dir}/tmp-proxy;
    fastcgi_temp_path ${dir}/tmp-fastcgi;
    uwsgi_temp_path ${dir}/tmp-uwsgi;
    scgi_temp_path ${dir}/tmp-scgi;
${site}
}
`;
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, conf);
  return file;
}

async function renderCaddy(dir: string, ports: { listen: number; app1: number; upstream: number }): Promise<string> {
  const example = await readFile(path.join(EXAMPLES, 'caddy', 'Caddyfile'), 'utf8');
  const site = example
    .replaceAll('127.0.0.1:3001', `127.0.0.1:${ports.app1}`)
    .replaceAll('127.0.0.1:8000', `127.0.0.1:${ports.upstream}`)
    .replace(`${PROXIED_HOSTS.caddy} {`, `http://${PROXIED_HOSTS.caddy}:${ports.listen} {\n\tbind 127.0.0.1`);
  const file = path.join(dir, 'Caddyfile');
  await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\n\n${site}`);
  return file;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`proxy exited (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`proxy did not listen on ${port} within 15 s: ${output()}`);
}

/** Starts nginx or Caddy (unprivileged, in a temp dir) in front of `upstreamPort`, asking app 1 on `app1Port`. */
export async function startProxy(kind: ProxyKind, ports: { app1: number; upstream: number }): Promise<RunningProxy> {
  const binary = findProxy(kind);
  if (!binary) throw new Error(missingProxy(kind)!);
  const dir = await mkdtemp(path.join(tmpdir(), `sso-${kind}-`));
  const listen = await freePort();
  const all = { ...ports, listen };
  const config = kind === 'nginx' ? await renderNginx(dir, all) : await renderCaddy(dir, all);
  const args = kind === 'nginx' ? ['-p', dir, '-c', config, '-e', `${dir}/error.log`] : ['run', '--config', config, '--adapter', 'caddyfile'];
  const child = spawn(binary, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Caddy keeps its state under HOME / XDG dirs: keep them in the temp dir.
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(listen, child, () => output);
  } catch (err) {
    const log = await readFile(`${dir}/error.log`, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  const host = PROXIED_HOSTS[kind];
  return { kind, port: listen, host, origin: `http://${host}:${listen}`, stop };
}
