import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { ConfigError } from './env';
import { listenError } from './server';

/*
 * Prometheus metrics (ADR 035). Each BFF builds one registry of its own (never
 * prom-client's global one: tests run several apps in one process) and serves
 * it on a separate listener bound to loopback by default, never on the
 * public port. Nothing here is collected unless metrics are switched on, so a
 * deployment without them pays nothing on its hot paths.
 *
 * Labels are bounded by construction: a route label is the Express route
 * pattern (`/api/account/sessions/end`, `/{*path}`), never the request path,
 * so neither an attacker's random paths nor a token pasted into a URL can
 * become a label value; requests no route matched share `(no route)`.
 */

/** Label of requests no route matched (404s, static files): one value, however many paths. */
export const NO_ROUTE = '(no route)';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const ROUTE_BASE = Symbol('sso.routeBase');

type WithBase = Request & { [ROUTE_BASE]?: string };

/** Seconds buckets for HTTP answers and store writes: sub-millisecond cache hits to multi-second bcrypt queues. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface BffMetrics {
  readonly registry: Registry;
  /** Times every request by route pattern and counts 429 answers; register first. */
  readonly http: RequestHandler;
  /**
   * Records the mount path of the router it is placed in (first, inside the
   * router): Express forgets `req.baseUrl` once an error leaves the router, so
   * the route label would lose its `/api` prefix on error answers.
   */
  readonly routeBase: RequestHandler;
  /** One store write (lowdb: an append + fdatasync; PostgreSQL: one write statement or transaction). */
  observeStoreWrite(seconds: number): void;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  /** A gauge read at scrape time (`collect` returns the value). */
  gauge(name: string, help: string, collect: () => number): Gauge;
}

/** The route label of an answered request: mount path + route pattern, or NO_ROUTE. */
export function routeLabel(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (!route || typeof route.path !== 'string') return NO_ROUTE;
  return `${(req as WithBase)[ROUTE_BASE] ?? req.baseUrl}${route.path}`;
}

/**
 * The registry of one BFF with the metrics every BFF has: HTTP request
 * durations, throttled answers, store write durations and prom-client's
 * default process metrics (CPU, memory, event-loop lag, GC), prefixed `sso_`
 * where they are ours.
 */
export function createMetrics(options: { app: string; store: 'lowdb' | 'postgres'; defaultMetrics?: boolean }): BffMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: options.app });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const duration = new RouteHistogram(
    'sso_http_request_duration_seconds',
    'Time to answer an HTTP request, by route pattern (never the raw path), method and status.',
    DURATION_BUCKETS,
  );
  registry.registerMetric(duration as unknown as Metric);
  const throttled = new Counter({
    name: 'sso_throttled_requests_total',
    help: 'Requests answered 429 (sign-in, sign-up, second-factor and reset limits, a busy bcrypt pool), by route pattern.',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const storeWrites = new Histogram({
    name: 'sso_store_write_duration_seconds',
    help: 'Time of one durable store write (lowdb: journal append and fdatasync, shared by a group commit; PostgreSQL: one write statement or transaction).',
    labelNames: ['store'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const storeLabel = { store: options.store };

  const http: RequestHandler = (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeLabel(req);
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      const status = res.statusCode;
      duration.observe(`${method} ${status} ${route}`, () => ({ method, route, status: String(status) }), (performance.now() - started) / 1000);
      if (status === 429) throttled.inc({ route });
    });
    next();
  };

  return {
    registry,
    http,
    routeBase: (req, _res, next) => {
      (req as WithBase)[ROUTE_BASE] = req.baseUrl;
      next();
    },
    observeStoreWrite: (seconds) => storeWrites.observe(storeLabel, seconds),
    counter: (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers: [registry] }),
    gauge: (name, help, collect) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(collect());
        },
      }),
  };
}

/** Where a BFF serves its metrics: null port = metrics off (nothing collected, `/metrics` is a 404 everywhere). */
export interface MetricsConfig {
  readonly metricsPort: number | null;
  /** Interface of the metrics listener (METRICS_HOST, default 127.0.0.1). */
  readonly metricsHost: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Cross-checks the metrics settings of one BFF: the metrics port must not be
 * the public one, and a non-loopback METRICS_HOST is allowed with a warning.
 */
export function resolveMetricsConfig(
  e: { port: number; metricsPort: number | undefined; metricsHost: string },
  names: { service: string; port: string; metricsPort: string },
): MetricsConfig & { warnings: string[] } {
  const warnings: string[] = [];
  if (e.metricsPort === undefined) return { metricsPort: null, metricsHost: e.metricsHost, warnings };
  if (e.metricsPort !== 0 && e.metricsPort === e.port) {
    throw new ConfigError(
      `${names.service} cannot start: ${names.metricsPort}=${e.metricsPort} is the same port as ${names.port}. Metrics are served on their own port, never on the public one: choose another (e.g. ${e.port === 9464 ? 9465 : 9464}) or unset ${names.metricsPort}.`,
    );
  }
  if (!LOOPBACK.has(e.metricsHost)) {
    warnings.push(
      `METRICS_HOST=${e.metricsHost}: ${names.metricsPort} is reachable from other machines, without authentication. Make sure only your Prometheus can reach it (firewall, private network), or use 127.0.0.1.`,
    );
  }
  return { metricsPort: e.metricsPort, metricsHost: e.metricsHost, warnings };
}

/**
 * A histogram for the per-request hot path. prom-client's Histogram validates
 * and hashes the label set on every observation, a few microseconds per
 * request; here a series is found by one string key built by the caller and
 * an observation is a bucket search and three additions. The registry reads
 * it through the same `get()` shape as its own histograms (cumulative
 * `_bucket` series with `le`, then `_sum` and `_count`).
 */
class RouteHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Record<string, string>; counts: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  observe(key: string, labels: () => Record<string, string>, value: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels: labels(), counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.bounds.length) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

export interface MetricsListener {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and nothing else: every other path is a plain 404)
 * on its own listener, apart from the public one: bind it to loopback (the
 * default) or to an interface only the scraper reaches.
 */
export async function listenMetrics(registry: Registry, options: { host: string; port: number; names?: { service: string; port: string; host?: string } }): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not found\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n');
      },
    );
  });
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw listenError(err, options);
  }
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
