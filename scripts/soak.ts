/**
 * `npm run soak`: mixed load against both BFFs, started fresh in this process
 * with a temp DATA_DIR, on loopback only. Bounded in time (default 60 s,
 * `--seconds N`) and in count. Reports requests, unexpected errors, p50/p99
 * latency per operation and RSS over time (it should flatten, not climb).
 */
import { performance } from 'node:perf_hooks';
import { Browser, startDomain } from '../bff/integration/harness';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 60;
const workers = Number(args[args.indexOf('--workers') + 1]) || 16;
const MAX_REQUESTS = 2_000_000;

type Op = 'signup' | 'login' | 'me' | 'refresh' | 'logout';
const expected: Record<Op, number> = { signup: 201, login: 200, me: 200, refresh: 200, logout: 200 };

export async function soak(options: { seconds: number; workers: number; log?: (line: string) => void }) {
  const log = options.log ?? console.log;
  const domain = await startDomain({ env: { LOG_LEVEL: 'silent', BCRYPT_COST: '10' } });
  const latencies = new Map<Op, number[]>();
  const errors: string[] = [];
  let requests = 0;
  const rss: { t: number; mb: number }[] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const sample = () => rss.push({ t: Math.round((performance.now() - started) / 1000), mb: Math.round(process.memoryUsage().rss / 1e6) });
  sample();
  const sampler = setInterval(sample, Math.max(1000, (options.seconds * 1000) / 6));

  async function call(b: Browser, op: Op, app: 'app1' | 'app2', path: string, json?: unknown) {
    const t = performance.now();
    const res = await b.request(app, path, json === undefined ? {} : { json });
    const ms = performance.now() - t;
    requests++;
    (latencies.get(op) ?? latencies.set(op, []).get(op)!).push(ms);
    if (res.status !== expected[op] && errors.length < 20) errors.push(`${op} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    else if (res.status !== expected[op]) errors.push('');
  }

  async function user(w: number) {
    let i = 0;
    while (performance.now() < deadline && requests < MAX_REQUESTS) {
      const b = new Browser(domain);
      const username = `soak${w}x${i++}`;
      const password = 'correct horse battery';
      await call(b, 'signup', 'app1', '/api/signup', { username, password });
      for (let k = 0; k < 5; k++) await call(b, 'me', 'app2', '/api/me');
      await call(b, 'refresh', 'app1', '/api/session/refresh', {});
      for (let k = 0; k < 3; k++) await call(b, 'me', 'app2', '/api/me');
      await call(b, 'logout', 'app1', '/api/logout', {});
      await call(b, 'login', 'app1', '/api/login', { username, password });
      await call(b, 'me', 'app2', '/api/me');
      await call(b, 'logout', 'app1', '/api/logout', {});
    }
  }

  log(`soak: ${options.workers} concurrent users for ${options.seconds} s against fresh BFFs on loopback...`);
  await Promise.all(Array.from({ length: options.workers }, (_, w) => user(w)));
  clearInterval(sampler);
  sample();
  const elapsed = (performance.now() - started) / 1000;
  await domain.stop();

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  };
  const rows = [...latencies].map(([op, xs]) => ({ op, count: xs.length, p50: +pct(xs, 50).toFixed(1), p99: +pct(xs, 99).toFixed(1) }));
  const report = {
    seconds: +elapsed.toFixed(1),
    requests,
    requestsPerSecond: Math.round(requests / elapsed),
    unexpectedErrors: errors.length,
    firstErrors: errors.filter(Boolean).slice(0, 5),
    latencyMs: rows,
    rssMb: rss,
  };
  log(`requests ${requests} in ${report.seconds} s (${report.requestsPerSecond}/s), unexpected errors ${errors.length}`);
  log('op        count     p50 ms   p99 ms');
  for (const r of rows) log(`${r.op.padEnd(9)} ${String(r.count).padStart(6)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(8)}`);
  log(`RSS (MB) over time: ${rss.map((s) => `${s.t}s=${s.mb}`).join('  ')}`);
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  soak({ seconds, workers }).then((r) => process.exit(r.unexpectedErrors === 0 ? 0 : 1));
}
