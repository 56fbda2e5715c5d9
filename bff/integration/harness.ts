import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App1Options } from '../app1/src/app';
import type { App2Options } from '../app2/src/app';
import { startApp1 } from '../app1/src/server';
import { startApp2 } from '../app2/src/server';
import { readJournaledStore } from '@sso/bff-common';
import { APP1_COLLECTIONS, APP1_STORE_FILE } from '../app1/src/storage/lowdb-store';
import { APP2_STORE_FILE } from '../app2/src/storage/lowdb-store';

/** A clock for both apps that a test moves forward (real time plus an offset). */
/** What an app's embedded store holds on disk (snapshot and journals merged), as one document. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function storedData(dataDir: string, app: 'app1' | 'app2'): Promise<{ users: any[]; sessions: any[]; revocations: any[] }> {
  const data = await readJournaledStore(path.join(dataDir, app === 'app1' ? APP1_STORE_FILE : APP2_STORE_FILE), app === 'app1' ? APP1_COLLECTIONS : {});
  return { users: data.users ?? [], sessions: data.sessions ?? [], revocations: data.revocations ?? [] };
}

export function testClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** A port free right now on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Domain {
  dataDir: string;
  env: Record<string, string>;
  app1: Awaited<ReturnType<typeof startApp1>>;
  app2: Awaited<ReturnType<typeof startApp2>> | null;
  origins: { app1: string; app2: string };
  urls: { app1: string; app2: string };
  restart(which: 'app1' | 'app2'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Both BFFs on real loopback sockets with a temp DATA_DIR and fast (but
 * real) bcrypt. Node cannot resolve *.localhost, so requests go to
 * 127.0.0.1 and the browser-facing origins are only used as Origin values.
 */
export async function startDomain(options: StartDomainOptions = {}): Promise<Domain> {
  // A port found free can be taken by a client socket of a parallel test
  // before the server binds it (same ephemeral range): try other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDomainOnce(options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

type StartDomainOptions = { env?: Record<string, string>; withApp2?: boolean; app1?: App1Options; app2?: App2Options };

async function startDomainOnce(options: StartDomainOptions): Promise<Domain> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sso-it-'));
  const [p1, p2] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    APP1_PORT: String(p1),
    APP2_PORT: String(p2),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    SSO_REVOCATION_POLL_MS: '100',
    SPA_DIR: path.join(dataDir, 'no-spa'),
    ...options.env,
  };
  // Tests and load runs sign up many accounts from one address: sign-up
  // throttling is relaxed here unless a test sets its own limit.
  const app1Options: App1Options = {
    ...options.app1,
    throttleLimits: { signupsPerAddress: { failures: 1e9, durationSeconds: 60, blockSeconds: 1 }, ...options.app1?.throttleLimits },
  };
  const domain: Domain = {
    dataDir,
    env,
    app1: await startApp1(env, false, app1Options),
    app2: null,
    origins: { app1: `http://app1.sso.localhost:${p1}`, app2: `http://app2.sso.localhost:${p2}` },
    urls: { app1: `http://127.0.0.1:${p1}`, app2: `http://127.0.0.1:${p2}` },
    async restart(which) {
      if (which === 'app1') {
        await domain.app1.stop();
        domain.app1 = await startApp1(env, false, app1Options);
      } else {
        await domain.app2?.stop();
        domain.app2 = await startApp2(env, false, options.app2);
      }
    },
    async stop() {
      await domain.app2?.stop();
      await domain.app1.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (options.withApp2 ?? true) {
    try {
      domain.app2 = await startApp2(env, false, options.app2);
    } catch (err) {
      await domain.stop();
      throw err;
    }
  }
  return domain;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  setCookies: string[];
}

/**
 * A minimal browser: a cookie jar that keeps Domain cookies for every app
 * and host-only cookies for the app that set them, and sends the app's own
 * Origin on state-changing requests (as a browser's fetch does).
 */
export class Browser {
  private jar = new Map<string, { value: string; hostOnly: 'app1' | 'app2' | null }>();

  constructor(private readonly domain: Domain) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }

  setCookie(name: string, value: string, hostOnly: 'app1' | 'app2' | null = null) {
    this.jar.set(name, { value, hostOnly });
  }

  clear() {
    this.jar.clear();
  }

  /** Drops one cookie, as a browser does when its Max-Age runs out. */
  drop(name: string) {
    this.jar.delete(name);
  }

  cookieHeader(app: 'app1' | 'app2'): string {
    return [...this.jar].filter(([, c]) => c.hostOnly === null || c.hostOnly === app).map(([n, c]) => `${n}=${c.value}`).join('; ');
  }

  async request<T = any>(
    app: 'app1' | 'app2',
    pathname: string,
    init: { method?: string; json?: unknown; origin?: string | null; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<HttpResult<T>> {
    const method = init.method ?? (init.json !== undefined || init.rawBody !== undefined ? 'POST' : 'GET');
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(app);
    if (cookie && !('cookie' in headers)) headers.cookie = cookie;
    const origin = init.origin === undefined ? (method === 'GET' ? null : this.domain.origins[app]) : init.origin;
    if (origin !== null) headers.origin = origin;
    if (init.json !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.domain.urls[app]}${pathname}`, {
      method,
      headers,
      body: init.rawBody ?? (init.json !== undefined ? JSON.stringify(init.json) : undefined),
      redirect: 'manual',
    });
    const setCookies = res.headers.getSetCookie();
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split('; ');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const hostOnly = attrs.some((a) => a.toLowerCase().startsWith('domain=')) ? null : app;
      if (attrs.includes('Max-Age=0') || value === '') this.jar.delete(name);
      else this.jar.set(name, { value, hostOnly });
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: body as T, setCookies };
  }
}
