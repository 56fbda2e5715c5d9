import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@sso/types';
import { isPagePath } from '@sso/bff-common';
import { loadConfig as loadApp1Config } from '../app1/src/config';
import { loadConfig as loadApp2Config } from '../app2/src/config';
import { createApp as createApp2 } from '../app2/src/app';
import { banner } from '../../scripts/start';
import { Browser, startDomain, testClock, type Domain } from './harness';

/*
 * Metrics (ADR 035): scraped from the separate metrics listener after real
 * requests and parsed as the Prometheus text format; route labels are route
 * patterns (bounded, never a path or a token); the public listener answers
 * /metrics and other non-page paths with 404, never the SPA's HTML.
 */

const PASSWORD = 'correct horse battery';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small parser of the Prometheus text exposition format (0.0.4): every sample line, checked. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    // Go's ParseFloat, as Prometheus reads it: Inf and NaN in any case (prom-client writes "Nan").
    const word = m[3]!.toLowerCase();
    const value = word === '+inf' || word === 'inf' ? Infinity : word === '-inf' ? -Infinity : word === 'nan' ? NaN : Number(m[3]);
    if (Number.isNaN(value) && word !== 'nan') throw new Error(`not a number in: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

async function scrape(port: number | null) {
  expect(port).not.toBeNull();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, ...parseMetrics(text) };
}

describe('metrics on their own listener', () => {
  let domain: Domain;
  let spaDir: string;
  beforeAll(async () => {
    spaDir = await mkdtemp(path.join(tmpdir(), 'sso-spa-'));
    await mkdir(path.join(spaDir, 'assets'));
    await writeFile(path.join(spaDir, 'index.html'), '<!doctype html><html><head><!--sso-client-config--></head><body>spa</body></html>');
    domain = await startDomain({
      env: { SPA_DIR: spaDir, APP1_METRICS_PORT: '0', APP2_METRICS_PORT: '0', SSO_REFRESH_GRACE: '0' },
      app1: { throttleLimits: { perUserAddress: { failures: 2, durationSeconds: 60, blockSeconds: 60 } } },
    });
  });
  afterAll(async () => {
    await domain?.stop();
    await rm(spaDir, { recursive: true, force: true });
  });

  it('counts sign-ins by outcome, throttled answers, refreshes and refresh reuse, timed by route pattern', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'metered', password: PASSWORD } })).status).toBe(201);
    const signedIn = new Browser(domain);
    expect((await signedIn.request('app1', '/api/login', { json: { username: 'metered', password: PASSWORD } })).status).toBe(200);
    const oldRefresh = signedIn.cookie('__Host-sso-refresh')!;
    expect((await signedIn.request('app1', '/api/session/refresh', { json: {} })).status).toBe(200);
    // The rotated-away refresh token comes back: reuse, the session is revoked.
    const thief = new Browser(domain);
    thief.setCookie('__Host-sso-refresh', oldRefresh, 'app1');
    const replay = await thief.request('app1', '/api/session/refresh', { json: {} });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('REFRESH_REUSED');

    const { samples, types } = await scrape(domain.app1.metricsPort);
    expect(types.get('sso_sign_ins_total')).toBe('counter');
    expect(sum(samples, 'sso_sign_ins_total', { outcome: 'success' })).toBe(1);
    expect(sum(samples, 'sso_session_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(sum(samples, 'sso_session_refreshes_total', { outcome: 'reused' })).toBe(1);
    expect(sum(samples, 'sso_refresh_reuse_detected_total')).toBe(1);
    expect(sum(samples, 'sso_http_request_duration_seconds_count', { route: '/api/login', method: 'POST', status: '200', app: 'app1' })).toBe(1);
    // The error answer keeps the /api prefix (the route base is recorded before the error leaves the router).
    expect(sum(samples, 'sso_http_request_duration_seconds_count', { route: '/api/session/refresh', status: '401' })).toBe(1);
    // A well-formed histogram: cumulative buckets, +Inf equals _count.
    expect(types.get('sso_http_request_duration_seconds')).toBe('histogram');
    const buckets = samples.filter((x) => x.name === 'sso_http_request_duration_seconds_bucket' && x.labels.route === '/api/login' && x.labels.status === '200');
    expect(buckets.map((x) => x.value)).toEqual([...buckets.map((x) => x.value)].sort((a, b) => a - b));
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 1 });
    expect(sum(samples, 'sso_http_request_duration_seconds_sum', { route: '/api/login', status: '200' })).toBeGreaterThan(0);
    expect(types.get('sso_bcrypt_queue_depth')).toBe('gauge');
    expect(sum(samples, 'sso_bcrypt_queue_depth')).toBe(0);
    expect(sum(samples, 'sso_store_write_duration_seconds_count', { store: 'lowdb' })).toBeGreaterThan(0);
    // prom-client's default process metrics, labelled with the app.
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total' && s.labels.app === 'app1')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts failed and throttled sign-ins', async () => {
    const b = new Browser(domain);
    expect((await b.request('app1', '/api/signup', { json: { username: 'counted', password: PASSWORD } })).status).toBe(201);
    const before = (await scrape(domain.app1.metricsPort)).samples;
    for (let i = 0; i < 3; i++) await new Browser(domain).request('app1', '/api/login', { json: { username: 'counted', password: 'wrong password' } });
    const { samples } = await scrape(domain.app1.metricsPort);
    const delta = (name: string, labels: Record<string, string>) => sum(samples, name, labels) - sum(before, name, labels);
    expect(delta('sso_sign_ins_total', { outcome: 'invalid_credentials' })).toBe(2);
    expect(delta('sso_sign_ins_total', { outcome: 'throttled' })).toBe(1);
    expect(delta('sso_throttled_requests_total', { route: '/api/login' })).toBe(1);
  });

  it('app 2: /api/me by route, JWKS fetches, and the revocation feed lag stays within a few polls', async () => {
    const b = new Browser(domain);
    await b.request('app1', '/api/signup', { json: { username: 'relying', password: PASSWORD } });
    expect((await b.request('app2', '/api/me')).status).toBe(200);
    await domain.app2!.revocations.sync();
    const { samples } = await scrape(domain.app2!.metricsPort);
    expect(sum(samples, 'sso_http_request_duration_seconds_count', { route: '/api/me', status: '200', app: 'app2' })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'sso_jwks_fetches_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    const lag = samples.find((s) => s.name === 'sso_revocation_feed_lag_seconds')!;
    expect(lag.value).toBeGreaterThanOrEqual(0);
    expect(lag.value).toBeLessThan(2);
    expect(sum(samples, 'sso_store_write_duration_seconds_count', { store: 'lowdb' })).toBeGreaterThanOrEqual(1);
  });

  it('route labels stay bounded: random paths and tokens never become label values', async () => {
    const secret = 'rst_' + 'A'.repeat(43);
    const paths = [
      ...Array.from({ length: 30 }, (_, i) => `/api/nothing-${i}-${Math.random().toString(36).slice(2)}`),
      ...Array.from({ length: 30 }, (_, i) => `/some/page-${i}`),
      `/reset-password/${secret}`,
      `/api/${secret}`,
    ];
    for (const p of paths) {
      await fetch(`${domain.urls.app1}${p}`);
      await fetch(`${domain.urls.app2}${p}`);
    }
    for (const port of [domain.app1.metricsPort, domain.app2!.metricsPort]) {
      const { text, samples } = await scrape(port);
      expect(text).not.toContain(secret);
      expect(text).not.toContain('nothing-');
      expect(text).not.toContain('/some/page');
      const routes = new Set(samples.filter((s) => s.name === 'sso_http_request_duration_seconds_count').map((s) => s.labels.route));
      // One value per route pattern the apps have, whatever was requested.
      expect(routes.size).toBeLessThan(40);
      expect([...routes].every((r) => r === '(no route)' || r!.startsWith('/'))).toBe(true);
      expect(routes).toContain('(no route)');
      expect(routes).toContain('/{*path}');
    }
  });

  it('the metrics listener answers only GET /metrics; anything else is a plain 404', async () => {
    for (const port of [domain.app1.metricsPort, domain.app2!.metricsPort]) {
      for (const p of ['/', '/api/me', '/metrics/x', '/healthz']) {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('<html');
      }
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
    }
  });

  it.each(['app1', 'app2'] as const)('%s public listener: /metrics, /.well-known/anything and dot files are 404 problem+json, client routes get the SPA', async (app) => {
    for (const p of ['/metrics', '/metrics/', '/.well-known/anything', '/.well-known/openid-configuration', '/.env', '/.git/config', '/a/.hidden', '/healthz/x']) {
      const res = await fetch(`${domain.urls[app]}${p}`);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(ProblemSchema.parse(await res.json()).code).toBe('NOT_FOUND');
    }
    const page = await fetch(`${domain.urls[app]}/some/client/route`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('spa');
  });
});

describe('revocation feed lag while app 1 is unreachable', () => {
  it('grows with the time since the last successful poll, and JWKS failures are counted', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sso-lag-'));
    const clock = testClock();
    const app2 = await createApp2(loadApp2Config({ DATA_DIR: dataDir, APP2_METRICS_PORT: '0', LOG_LEVEL: 'silent', SPA_DIR: path.join(dataDir, 'none') }), {
      now: clock.now,
      fetch: async () => {
        throw new Error('app 1 is down');
      },
    });
    try {
      await expect(app2.revocations.sync()).rejects.toThrow('app 1 is down');
      await expect(app2.keys!.refresh()).rejects.toThrow('app 1 is down');
      clock.advance(30_000);
      const { samples } = parseMetrics(await app2.metrics!.registry.metrics());
      expect(samples.find((s) => s.name === 'sso_revocation_feed_lag_seconds')!.value).toBeGreaterThanOrEqual(30);
      expect(sum(samples, 'sso_jwks_fetches_total', { outcome: 'error' })).toBe(1);
    } finally {
      await app2.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('metrics off (the default)', () => {
  let domain: Domain;
  beforeAll(async () => {
    domain = await startDomain();
  });
  afterAll(() => domain?.stop());

  it('no metrics listener, and /metrics on the public port is a 404 on both apps', async () => {
    expect(domain.app1.metricsPort).toBeNull();
    expect(domain.app2!.metricsPort).toBeNull();
    for (const app of ['app1', 'app2'] as const) {
      const res = await fetch(`${domain.urls[app]}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('sso_');
    }
  });
});

describe('metrics configuration', () => {
  it('refuses a metrics port that is the public port, naming both variables', () => {
    expect(() => loadApp1Config({ APP1_PORT: '4001', APP1_METRICS_PORT: '4001' })).toThrow(/APP1_METRICS_PORT=4001 is the same port as APP1_PORT/);
    expect(() => loadApp2Config({ APP2_PORT: '4002', APP2_METRICS_PORT: '4002' })).toThrow(/APP2_METRICS_PORT=4002 is the same port as APP2_PORT/);
    expect(() => loadApp1Config({ APP1_METRICS_PORT: 'nine' })).toThrow(/APP1_METRICS_PORT="nine": must be a port number/);
  });

  it('binds loopback by default and warns when METRICS_HOST is not loopback', () => {
    const quiet = loadApp1Config({ APP1_METRICS_PORT: '9464' });
    expect(quiet).toMatchObject({ metricsPort: 9464, metricsHost: '127.0.0.1' });
    expect(quiet.warnings.join('\n')).not.toMatch(/METRICS_HOST/);
    expect(loadApp2Config({ APP2_METRICS_PORT: '9465', METRICS_HOST: '0.0.0.0' }).warnings.join('\n')).toMatch(/METRICS_HOST=0\.0\.0\.0: APP2_METRICS_PORT is reachable from other machines/);
    expect(loadApp1Config({}).metricsPort).toBeNull();
  });

  it('npm start says where the metrics are, and nothing when they are off', () => {
    const on = banner(loadApp1Config({ APP1_METRICS_PORT: '9464' }), loadApp2Config({}), { app1: 9464, app2: null });
    expect(on).toContain('Metrics: app 1 http://127.0.0.1:9464/metrics, app 2 off');
    expect(banner(loadApp1Config({}), loadApp2Config({}))).not.toContain('Metrics:');
  });

  it('isPagePath: client routes yes; server paths and dot segments no', () => {
    for (const p of ['/', '/login', '/account', '/login/second-factor', '/reset-password', '/favicon.ico']) expect(isPagePath(p), p).toBe(true);
    for (const p of ['/metrics', '/metrics/x', '/api/x', '/healthz', '/readyz', '/.well-known/x', '/a/.hidden', '/.env']) expect(isPagePath(p), p).toBe(false);
  });
});
