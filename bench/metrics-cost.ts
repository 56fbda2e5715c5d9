/**
 * What metrics cost on the hot path (ADR 035): `/api/me` at app 2 with
 * metrics on (APP1_METRICS_PORT/APP2_METRICS_PORT set) and off, two domains
 * in this process measured in alternating rounds (ABBA) by the bench's load
 * worker, scraped once per round on the metered side as Prometheus would.
 *
 *   node --import tsx bench/metrics-cost.ts [rounds]
 */
import { Browser, startDomain, type Domain } from '../bff/integration/harness';
import { LoadGenerator, concat, percentile, type LoadResult } from './load';

const rounds = Number(process.argv[2] ?? 8);
const off = await startDomain();
const on = await startDomain({ env: { APP1_METRICS_PORT: '0', APP2_METRICS_PORT: '0' } });
const load = new LoadGenerator();
try {
  const cookieOf = async (d: Domain) => {
    const b = new Browser(d);
    await b.request('app1', '/api/signup', { json: { username: 'bench', password: 'correct horse battery' } });
    await b.request('app2', '/api/me');
    return `__Secure-sso=${b.cookie('__Secure-sso')}`;
  };
  const sides = [
    { label: 'metrics off', d: off, cookie: await cookieOf(off), results: [] as LoadResult[] },
    { label: 'metrics on ', d: on, cookie: await cookieOf(on), results: [] as LoadResult[] },
  ];
  const runOnce = (s: (typeof sides)[number], seconds: number) =>
    load.run({ url: s.d.urls.app2, path: '/api/me', headers: { cookie: s.cookie }, connections: 10, durationSeconds: seconds, maxSeconds: seconds + 10 });
  for (const s of sides) await runOnce(s, 1);
  for (let i = 0; i < rounds; i++) {
    for (const s of i % 2 ? [...sides].reverse() : sides) {
      s.results.push(await runOnce(s, 1.5));
      if (s.d === on) await fetch(`http://127.0.0.1:${on.app2!.metricsPort}/metrics`).then((r) => r.text());
    }
  }
  const rate = (r: LoadResult) => r.ok / (r.elapsedMs / 1000);
  for (const s of sides) {
    const ok = s.results.reduce((n, r) => n + r.ok, 0);
    const ms = s.results.reduce((n, r) => n + r.elapsedMs, 0);
    const lat = concat(s.results.map((r) => r.latencies));
    console.log(`${s.label}: ${(ok / (ms / 1000)).toFixed(0)} req/s, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms, non-2xx ${s.results.reduce((n, r) => n + r.notOk, 0)}`);
  }
  const ratios = sides[1]!.results.map((r, i) => rate(r) / rate(sides[0]!.results[i]!));
  const total = (s: (typeof sides)[number]) => s.results.reduce((n, r) => n + r.ok, 0) / s.results.reduce((n, r) => n + r.elapsedMs, 0);
  console.log(`on / off: ${(total(sides[1]!) / total(sides[0]!)).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)})`);
} finally {
  await load.close();
  await on.stop();
  await off.stop();
}
