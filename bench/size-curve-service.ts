/**
 * A BFF run as a child process for the size curve (bench/size-curve.ts): its
 * start-up time, memory and event loop are its own, not shared with the
 * bench. Started exactly as in development (`node --import tsx
 * bff/appN/src/server.ts`), configured by environment only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/**
 * The checkout whose services run: this one, or SIZE_CURVE_SERVICE_ROOT (say
 * an export of an older commit, to compare its store on the same curve).
 */
const SERVICE_ROOT = process.env.SIZE_CURVE_SERVICE_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const ENTRY = { app1: 'bff/app1/src/server.ts', app2: 'bff/app2/src/server.ts' } as const;

/** Children still running, killed if the bench exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Service {
  app: 'app1' | 'app2';
  pid: number;
  /** http://127.0.0.1:port */
  url: string;
  /** From spawn() to the first `GET /healthz` answered 200. */
  startupMs: number;
  /** Resident set size now, MB (VmRSS), and its peak so far (VmHWM). */
  memory(): Promise<{ rssMb: number; peakMb: number }>;
  /** SIGTERM (the service drains and flushes its store), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns one app and waits until `/healthz` answers 200 (polled every 5 ms).
 * `env` is the whole environment of the child besides PATH and HOME, so
 * nothing of the bench's own environment (a stray SSO_ variable, Vitest's
 * NODE_ENV) changes the service.
 */
export async function startService(app: 'app1' | 'app2', env: Record<string, string>, port: number, timeoutMs = 60_000): Promise<Service> {
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[app]], {
    cwd: SERVICE_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? SERVICE_ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // The last few KB of output, for the error message if it dies; draining
  // the pipes also keeps a chatty child from blocking on a full pipe.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = { code: code as number | null, signal: signal as NodeJS.Signals | null };
    running.delete(child);
  });

  const stop = async (graceMs = 60_000) => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };

  let startupMs = Number.NaN;
  for (;;) {
    if (exited) throw new Error(`${app} exited during start-up (${JSON.stringify(exited)}):\n${output}`);
    if (performance.now() - started > timeoutMs) {
      await stop(1_000);
      throw new Error(`${app} did not answer /healthz within ${timeoutMs} ms:\n${output}`);
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status === 200;
      },
      () => false,
    );
    if (ok) {
      startupMs = performance.now() - started;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }

  return {
    app,
    pid: child.pid!,
    url,
    startupMs,
    memory: () => processMemory(child.pid!),
    stop,
  };
}


/** VmRSS and VmHWM of a process, MB (Linux /proc; `ps` elsewhere, peak = current). */
export async function processMemory(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let out = '';
    ps.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await once(ps, 'exit');
    const mb = Number(out.trim()) / 1024;
    return { rssMb: mb, peakMb: mb };
  }
}
