/**
 * Benchmark: each cost of the product next to the physical limit it should
 * approach, measured side by side in one run (issue "Performance: a
 * benchmark that compares against the physical limit in one run").
 *
 *   node --import tsx bench/run.ts            full run (< 3 min on 2 cores)
 *   node --import tsx bench/run.ts --quick    smoke run (a few seconds)
 *   options: --only=1,4,7  run some figures only;  --out=FILE  results file
 *   BENCH_DEBUG=1 prints every load run (rate, p50/p99, event-loop utilisation)
 *
 * Both BFFs run in this process, started fresh by startDomain() (temp
 * DATA_DIR, loopback only, LOG_LEVEL silent, BCRYPT_COST 10). The load
 * generator (autocannon) runs in a worker thread, so it never shares the
 * BFFs' event loop. Prints a table and writes bench/results.json. Exits 0
 * whether or not a target is met: it is a report.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import bcrypt from 'bcryptjs';
import { createTokenSigner, loadOrCreateKeySet, type SubjectClaims, type TokenSigner } from '@sso/session';
import { createTestDatabase, findPostgres } from '../bff/integration/pg-test-db';
import { startDomain, type Domain } from '../bff/integration/harness';
import { LoadGenerator, concat, percentile, type LoadResult, type LoadSpec } from './load';
import { runSizeCurve } from './size-curve';

export type Verdict = 'PASS' | 'FAIL' | 'info';

export interface Figure {
  /** Figure number from the issue (1 to 7) and a letter. */
  id: string;
  figure: string;
  value: number;
  unit: string;
  target: string;
  verdict: Verdict;
}

export interface BenchResults {
  quick: boolean;
  startedAt: string;
  durationSeconds: number;
  environment: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    bcryptCost: number;
    /** 1-minute load average before and after the run: other work on the machine makes every figure noisier. */
    loadAverage: { before: number; after: number };
  };
  plan: Plan;
  figures: Figure[];
  /** Anything that makes a figure suspect (non-2xx answers, capped runs...). Empty in a clean run. */
  warnings: string[];
  /** For a judged figure missed: where the cost is and what would meet the target (figure 10). */
  notes: string[];
  outFile: string;
}

export interface BenchOptions {
  quick?: boolean;
  /** Figure numbers to run (default: all). */
  only?: number[];
  /** Where to write the results (default bench/results.json). */
  outFile?: string;
  /** Print progress and the table (default true). */
  print?: boolean;
}

interface Plan {
  /** Measured rounds per side of a throughput comparison (ABBA order). */
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Accounts signed up at app 1 (sign-ins are spread over them). */
  users: number;
  /** Brand-new subjects sent once each to /api/me. */
  provisionTokens: number;
  /** Sequential sign-ins (and as many bare bcrypt.compare calls). */
  signinSamples: number;
  concurrentSignins: number;
  signinThroughputAmount: number;
  refreshAmount: number;
  /** Independent refresh chains (one connection each). */
  refreshSessions: number;
  memoryCalls: number;
  /** Sequential sign-ins of the bystander, quiet and during the flood (figure 9). */
  bystanderSamples: number;
  floodConnections: number;
}

const FULL: Plan = {
  // Short rounds, many of them: a burst of other work on the machine then
  // lands on both sides of a comparison, not on one.
  rounds: 12,
  roundSeconds: 1,
  warmupSeconds: 2,
  connections: 10,
  users: 8,
  provisionTokens: 4000,
  signinSamples: 30,
  concurrentSignins: 20,
  signinThroughputAmount: 32,
  refreshAmount: 2000,
  refreshSessions: 8,
  memoryCalls: 100_000,
  bystanderSamples: 20,
  floodConnections: 100,
};

const QUICK: Plan = {
  rounds: 1,
  roundSeconds: 1,
  warmupSeconds: 0.3,
  connections: 10,
  users: 4,
  provisionTokens: 200,
  signinSamples: 6,
  concurrentSignins: 20,
  signinThroughputAmount: 8,
  refreshAmount: 100,
  refreshSessions: 4,
  memoryCalls: 2_000,
  bystanderSamples: 6,
  floodConnections: 50,
};

const BCRYPT_COST = 10;
/** Figures 1 and 2: /api/me at this share of /healthz throughput or better (issue 18). */
const ME_TARGET = 0.9;
export const TOKEN_COOKIE = '__Secure-sso';
export const REFRESH_COOKIE = '__Host-sso-refresh';
const AUDIENCE = 'sso.localhost';
export const PASSWORD = 'bench correct horse battery';
/** Production defaults where the test harness uses fast test values. */
export const DOMAIN_ENV = {
  BCRYPT_COST: String(BCRYPT_COST),
  LOG_LEVEL: 'silent',
  SSO_REVOCATION_POLL_MS: '1000',
  // Figures 4-6 measure the cost of a sign-in, all from one loopback address:
  // admission limits off there (figure 9 measures them, with the defaults).
  SSO_LOGIN_CONCURRENCY_PER_ADDRESS: '1000000',
  SSO_LOGIN_CONCURRENCY_PER_USER: '1000000',
  SSO_LOGIN_SUCCESSES_PER_USER: '1000000000',
};

const DEFAULT_OUT = fileURLToPath(new URL('./results.json', import.meta.url));

export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  const quick = options.quick ?? false;
  const plan = quick ? QUICK : FULL;
  const want = (n: number) => !options.only || options.only.includes(n);
  const print = options.print ?? true;
  const log = (msg: string) => print && process.stdout.write(`${msg}\n`);
  const outFile = options.outFile ?? DEFAULT_OUT;
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!;
  const t0 = performance.now();
  const figures: Figure[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const add = (f: Figure) => figures.push(f);

  const load = new LoadGenerator();
  const domains: Domain[] = [];
  try {
    const check = (label: string, r: LoadResult, spec: LoadSpec) => {
      const expected = spec.amount;
      const answer = spec.expectStatus === undefined ? '2xx' : String(spec.expectStatus);
      const problems: string[] = [];
      if (r.notOk > 0) problems.push(`${r.notOk} ${spec.expectStatus === undefined ? 'non-2xx' : `not ${answer}`} (${JSON.stringify(r.statusCodes)})`);
      if (r.errors > 0) problems.push(`${r.errors} connection errors`);
      if (r.timeouts > 0) problems.push(`${r.timeouts} timeouts`);
      if (r.chainStarved > 0) problems.push(`${r.chainStarved} requests without a refresh cookie`);
      if (r.stoppedByCap) problems.push('stopped by the time cap');
      if (expected !== undefined && r.ok !== expected) problems.push(`${r.ok} of ${expected} requests answered ${answer}`);
      if (problems.length) warnings.push(`${label}: ${problems.join('; ')}`);
      return r;
    };
    const debug = process.env.BENCH_DEBUG === '1';
    const run = async (label: string, spec: LoadSpec): Promise<Measured> => {
      const elu0 = performance.eventLoopUtilization();
      const r = check(label, await load.run(spec), spec);
      const elu = performance.eventLoopUtilization(elu0).utilization;
      if (debug) {
        const rps = r.ok / (r.elapsedMs / 1000);
        log(`   ${label}: ${r.ok} ok in ${(r.elapsedMs / 1000).toFixed(2)} s = ${rps.toFixed(0)} req/s, p50 ${percentile(r.latencies, 50).toFixed(2)} ms, p99 ${percentile(r.latencies, 99).toFixed(2)} ms, server ELU ${elu.toFixed(2)}`);
      }
      return { ...r, elu };
    };

    // ---- domain A: EdDSA (the default) -----------------------------------
    log(`bench: ${quick ? 'quick' : 'full'} run, node ${process.version}, ${cpus().length} cpu(s)`);
    const a = await startDomain({ env: DOMAIN_ENV });
    domains.push(a);
    const accountsA = await signUpMany(a, plan.users, 'bench');
    const meA = await warmMe(a, accountsA[0]!.token);

    if (want(1)) {
      log('1  /api/me vs /healthz and vs a logged 404 on /api, on BFF 2 (EdDSA)');
      notes.push(...addComparison(add, '1', 'EdDSA', await compareRoutes(run, plan, [healthz(a), meRoute(a, meA), apiNotFound(a, meA)])));
    }

    if (want(2)) {
      log('2  the same in HS256 compatibility mode');
      const b = await startDomain({ env: { ...DOMAIN_ENV, SSO_TOKEN_ALG: 'HS256', SSO_HS256_SECRET: randomBytes(36).toString('base64url') } });
      domains.push(b);
      try {
        const [account] = await signUpMany(b, 1, 'bench-hs');
        const token = await warmMe(b, account!.token);
        notes.push(...addComparison(add, '2', 'HS256', await compareRoutes(run, plan, [healthz(b), meRoute(b, token), apiNotFound(b, token)])));
      } finally {
        domains.pop();
        await b.stop();
      }
    }

    if (want(3)) {
      log(`3  /api/me provisioning ${plan.provisionTokens} brand-new users vs an existing user`);
      const keys = await loadOrCreateKeySet({ dir: a.dataDir, retainSeconds: 605 });
      const signer = createTokenSigner({ issuer: a.origins.app1, audience: AUDIENCE, method: { alg: 'EdDSA', currentKey: keys.current } });
      const tag = randomBytes(4).toString('hex');
      // Brand-new subjects, each sent once.
      const fresh = await mint(signer, plan.provisionTokens, (i) => ({
        sub: `usr_bench_${tag}_${i}`,
        sid: `ses_bench_${tag}_${i}`,
        preferred_username: `new-${tag}-${i}`,
        email: `new-${i}@example.test`,
        name: `New User ${i}`,
      }));
      // The existing user with identical claims but a new token (new jti) per
      // request: misses the verifier's token cache, so this is the price of
      // the signature check alone, without provisioning.
      const claims = JSON.parse(Buffer.from(meA.split('.')[1]!, 'base64url').toString()) as Record<string, string | null>;
      const same = await mint(signer, plan.provisionTokens, () => ({
        sub: claims.sub!,
        sid: claims.sid!,
        preferred_username: claims.preferred_username!,
        email: claims.email ?? null,
        name: claims.name ?? null,
      }));
      const half = Math.floor(fresh.length / 2);
      const amount = (n: number): Pick<LoadSpec, 'connections' | 'amount' | 'maxSeconds'> => ({ connections: plan.connections, amount: n, maxSeconds: quick ? 20 : 60 });
      const rotating = (values: string[]) => ({ ...meRoute(a, ''), rotateCookie: { name: TOKEN_COOKIE, values } });
      await run('3 warm-up', { ...meRoute(a, meA), connections: plan.connections, durationSeconds: plan.warmupSeconds, maxSeconds: 10 });
      // Mirrored order (hit, miss, new, new, miss, hit) so drift hits all alike.
      const hit1 = await run('3 existing user, same token', { ...meRoute(a, meA), ...amount(half) });
      const miss1 = await run('3 existing user, new token each', { ...rotating(same.slice(0, half)), ...amount(half) });
      const new1 = await run('3 new users (1st half)', { ...rotating(fresh.slice(0, half)), ...amount(half) });
      const new2 = await run('3 new users (2nd half)', { ...rotating(fresh.slice(half)), ...amount(fresh.length - half) });
      const miss2 = await run('3 existing user, new token each', { ...rotating(same.slice(half)), ...amount(same.length - half) });
      const hit2 = await run('3 existing user, same token', { ...meRoute(a, meA), ...amount(fresh.length - half) });
      const created = aggregate([new1, new2]);
      const hit = aggregate([hit1, hit2]);
      const miss = aggregate([miss1, miss2]);
      add({ id: '3a', figure: 'provisioning /api/me throughput / existing-user /api/me', value: created.rps / hit.rps, unit: 'x', target: '-', verdict: 'info' });
      add({ id: '3b', figure: '/api/me new users (provisioning), throughput', value: created.rps, unit: 'req/s', target: '-', verdict: 'info' });
      add({ id: '3c', figure: '/api/me existing user, throughput', value: hit.rps, unit: 'req/s', target: '-', verdict: 'info' });
      add({ id: '3d', figure: '/api/me new users (provisioning), p99', value: created.p99, unit: 'ms', target: '-', verdict: 'info' });
      add({ id: '3e', figure: '/api/me existing user, p99', value: hit.p99, unit: 'ms', target: '-', verdict: 'info' });
      add({ id: '3f', figure: 'provisioning throughput, 2nd half / 1st half (store growth)', value: aggregate([new2]).rps / aggregate([new1]).rps, unit: 'x', target: '-', verdict: 'info' });
      add({ id: '3g', figure: '/api/me existing user, new token each request, throughput', value: miss.rps, unit: 'req/s', target: '-', verdict: 'info' });
      add({ id: '3h', figure: 'same, / same token (price of the signature check)', value: miss.rps / hit.rps, unit: 'x', target: '-', verdict: 'info' });
    }

    const loginSpec = (domain: Domain, accounts: Account[]): Omit<LoadSpec, 'connections' | 'maxSeconds'> => ({
      url: domain.urls.app1,
      path: '/api/login',
      method: 'POST',
      headers: { origin: domain.origins.app1, 'content-type': 'application/json' },
      // Correct passwords only (failures are throttled), spread over several users.
      rotateBody: accounts.map((acc) => JSON.stringify({ username: acc.username, password: PASSWORD })),
    });

    if (want(4)) {
      log(`4  sign-in latency vs bare bcrypt.compare (cost ${BCRYPT_COST}), ${plan.signinSamples} each`);
      const hash = await bcrypt.hash(PASSWORD, BCRYPT_COST);
      const bare = async (n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const start = performance.now();
          const ok = await bcrypt.compare(PASSWORD, hash);
          out.push(performance.now() - start);
          if (!ok) throw new Error('bcrypt.compare returned false for the right password');
        }
        return out;
      };
      const logins = async (n: number) =>
        (await run('4 sequential sign-ins', { ...loginSpec(a, accountsA), connections: 1, amount: n, maxSeconds: 60 })).latencies;
      await bare(2);
      await logins(2);
      const half = Math.max(1, Math.floor(plan.signinSamples / 2));
      // ABBA, so a drift in machine speed hits both sides alike.
      const bareMs = [...(await bare(half))];
      const loginMs = [...(await logins(half))];
      loginMs.push(...(await logins(half)));
      bareMs.push(...(await bare(half)));
      const loginMedian = percentile(loginMs, 50);
      const bareMedian = percentile(bareMs, 50);
      const ratio = loginMedian / bareMedian;
      add({ id: '4a', figure: 'sign-in median / bcrypt.compare median', value: ratio, unit: 'x', target: '<= 1.15', verdict: ratio <= 1.15 ? 'PASS' : 'FAIL' });
      add({ id: '4b', figure: 'POST /api/login, median latency (sequential)', value: loginMedian, unit: 'ms', target: '-', verdict: 'info' });
      add({ id: '4c', figure: `bcryptjs compare, cost ${BCRYPT_COST}, median`, value: bareMedian, unit: 'ms', target: '-', verdict: 'info' });
    }

    if (want(5)) {
      log(`5  event-loop delay while ${plan.concurrentSignins} sign-ins run at once`);
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      const r = await run('5 concurrent sign-ins', {
        ...loginSpec(a, accountsA),
        connections: plan.concurrentSignins,
        amount: plan.concurrentSignins,
        maxSeconds: 60,
      });
      histogram.disable();
      const p99 = histogram.percentile(99) / 1e6;
      add({ id: '5a', figure: `event-loop delay p99, ${plan.concurrentSignins} concurrent sign-ins`, value: p99, unit: 'ms', target: '< 50', verdict: p99 < 50 ? 'PASS' : 'FAIL' });
      add({ id: '5b', figure: 'event-loop delay max, same window', value: histogram.max / 1e6, unit: 'ms', target: '-', verdict: 'info' });
      add({ id: '5c', figure: `slowest of the ${plan.concurrentSignins} concurrent sign-ins`, value: percentile(r.latencies, 100), unit: 'ms', target: '-', verdict: 'info' });
    }

    if (want(6)) {
      const sessions = accountsA.slice(0, plan.refreshSessions);
      log(`6  refresh throughput (${sessions.length} rotating sessions) vs sign-in throughput`);
      const signins = await run('6 sign-in throughput', {
        ...loginSpec(a, accountsA),
        connections: sessions.length,
        amount: plan.signinThroughputAmount,
        maxSeconds: 60,
      });
      const refresh = await run('6 refresh throughput', {
        url: a.urls.app1,
        path: '/api/session/refresh',
        method: 'POST',
        headers: { origin: a.origins.app1, 'content-type': 'application/json' },
        body: '{}',
        // Each chain goes on with the refresh cookie of its previous answer;
        // a reused refresh token would answer 401 and show up as a warning.
        chainCookie: { name: REFRESH_COOKIE, initial: sessions.map((s) => s.refresh) },
        connections: sessions.length,
        amount: plan.refreshAmount,
        maxSeconds: 60,
      });
      const signinRps = aggregate([signins]).rps;
      const refreshRps = aggregate([refresh]).rps;
      add({ id: '6a', figure: 'refresh throughput / sign-in throughput', value: refreshRps / signinRps, unit: 'x', target: '-', verdict: 'info' });
      add({ id: '6b', figure: `POST /api/session/refresh, throughput (${sessions.length} sessions)`, value: refreshRps, unit: 'req/s', target: '-', verdict: 'info' });
      add({ id: '6c', figure: `POST /api/login, throughput (${sessions.length} connections)`, value: signinRps, unit: 'req/s', target: '-', verdict: 'info' });
      add({ id: '6d', figure: 'POST /api/session/refresh, p99', value: percentile(refresh.latencies, 99), unit: 'ms', target: '-', verdict: 'info' });
    }

    if (want(7)) {
      log(`7  RSS over ${plan.memoryCalls.toLocaleString('en')} /api/me calls`);
      const gc = exposeGc();
      const quarter = Math.floor(plan.memoryCalls / 4);
      const sample = () => ({ rss: process.memoryUsage().rss / 2 ** 20, heap: gcHeapMb(gc) });
      const samples = [sample()];
      for (let q = 1; q <= 4; q++) {
        await run(`7 /api/me x${quarter}`, { ...meRoute(a, meA), connections: plan.connections, amount: quarter, maxSeconds: quick ? 20 : 90 });
        samples.push(sample());
      }
      const calls = (q: number) => (q * quarter).toLocaleString('en');
      for (let q = 1; q <= 4; q++) {
        add({ id: `7${'abcd'[q - 1]}`, figure: `RSS after ${calls(q)} /api/me (${q * 25} %)`, value: samples[q]!.rss, unit: 'MB', target: '-', verdict: 'info' });
      }
      add({ id: '7e', figure: 'RSS at 100 % / RSS at 50 % (1.00 = stopped growing)', value: samples[4]!.rss / samples[2]!.rss, unit: 'x', target: '-', verdict: 'info' });
      if (gc) {
        add({ id: '7f', figure: 'main-thread heap after GC, 100 % / 25 %', value: samples[4]!.heap / samples[1]!.heap, unit: 'x', target: '-', verdict: 'info' });
      }
    }
    if (want(8)) {
      log('8  /api/me on PostgreSQL vs lowdb (existing user)');
      const probe = await findPostgres();
      if (!probe.ok) {
        warnings.push(`8: skipped, ${probe.reason}`);
      } else {
        const db = await createTestDatabase(probe);
        const p = await startDomain({ env: { ...DOMAIN_ENV, STORE: 'postgres', DATABASE_URL: db.url } });
        domains.push(p);
        try {
          const [account] = await signUpMany(p, 1, 'bench-pg');
          const token = await warmMe(p, account!.token);
          const [lowdb, pg] = (await compareRoutes(run, plan, [meRoute(a, meA), meRoute(p, token)])).sides as [Aggregate, Aggregate];
          add({ id: '8a', figure: 'PostgreSQL /api/me throughput / lowdb /api/me throughput', value: pg.rps / lowdb.rps, unit: 'x', target: '-', verdict: 'info' });
          add({ id: '8b', figure: 'lowdb GET /api/me, throughput', value: lowdb.rps, unit: 'req/s', target: '-', verdict: 'info' });
          add({ id: '8c', figure: 'PostgreSQL GET /api/me, throughput', value: pg.rps, unit: 'req/s', target: '-', verdict: 'info' });
          add({ id: '8d', figure: 'lowdb GET /api/me, p99', value: lowdb.p99, unit: 'ms', target: '-', verdict: 'info' });
          add({ id: '8e', figure: 'PostgreSQL GET /api/me, p99', value: pg.p99, unit: 'ms', target: '-', verdict: 'info' });
        } finally {
          domains.pop();
          await p.stop();
          await db.drop();
        }
      }
    }
    if (want(9)) {
      log(`9  a bystander's sign-in while one account is flooded with valid sign-ins from one address (${plan.floodConnections} connections)`);
      // The production limits (not DOMAIN_ENV's relaxed ones), behind a
      // proxy so that the flood and the bystander are different clients.
      const f = await startDomain({ env: { BCRYPT_COST: String(BCRYPT_COST), LOG_LEVEL: 'silent', TRUST_PROXY: '1' } });
      domains.push(f);
      try {
        // Bystanders take turns: each stays well within its own successful sign-in limit.
        const [flooded, ...bystanders] = await signUpMany(f, 5, 'flood');
        let turn = 0;
        const signIn = async (): Promise<number> => {
          const bystander = bystanders[turn++ % bystanders.length];
          const started = performance.now();
          const res = await fetch(`${f.urls.app1}/api/login`, {
            method: 'POST',
            headers: { origin: f.origins.app1, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
            body: JSON.stringify({ username: bystander!.username, password: PASSWORD }),
          });
          await res.arrayBuffer();
          if (res.status !== 200) warnings.push(`9: the bystander's sign-in answered ${res.status}`);
          return performance.now() - started;
        };
        const sample = async () => {
          const out: number[] = [];
          for (let i = 0; i < plan.bystanderSamples; i++) out.push(await signIn());
          return out;
        };
        await signIn();
        const quiet = await sample();
        let floodEnded = false;
        const floodStarted = performance.now();
        const flood = load
          .run({
            url: f.urls.app1,
            path: '/api/login',
            method: 'POST',
            headers: { origin: f.origins.app1, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.66' },
            body: JSON.stringify({ username: flooded!.username, password: PASSWORD }),
            connections: plan.floodConnections,
            // Until the bystander is done (stopped below), at most a minute.
            durationSeconds: 60,
            maxSeconds: 90,
          })
          .finally(() => {
            floodEnded = true;
          });
        await new Promise((r) => setTimeout(r, 300)); // the flood is under way
        const during = await sample();
        const samplingEnded = performance.now();
        if (floodEnded) warnings.push('9: the flood ended (time cap) before the bystander was done');
        load.stop();
        const answered = await flood;
        if (debug) log(`   9 bystander during: ${during.map((x) => x.toFixed(0)).join(" ")}`);
        if (debug) log(`   9 flood: ${JSON.stringify(answered.statusCodes)} in ${answered.elapsedMs.toFixed(0)} ms, errors ${answered.errors}, timeouts ${answered.timeouts}; sampling took ${(samplingEnded - floodStarted).toFixed(0)} ms`);
        const [q, d] = [percentile(quiet, 50), percentile(during, 50)];
        add({ id: '9a', figure: "bystander sign-in p50 during a single-account flood / quiet p50", value: d / q, unit: 'x', target: '<= 2', verdict: d / q <= 2 ? 'PASS' : 'FAIL' });
        add({ id: '9b', figure: 'bystander sign-in p50, quiet', value: q, unit: 'ms', target: '-', verdict: 'info' });
        add({ id: '9c', figure: 'bystander sign-in p50, during the flood', value: d, unit: 'ms', target: '-', verdict: 'info' });
        add({ id: '9d', figure: 'bystander sign-in, slowest during the flood', value: percentile(during, 100), unit: 'ms', target: '-', verdict: 'info' });
        add({ id: '9e', figure: 'flood requests answered 429 (refused before bcrypt)', value: (answered.statusCodes['429'] ?? 0) / Math.max(1, answered.ok + answered.notOk), unit: 'share', target: '-', verdict: 'info' });
      } finally {
        domains.pop();
        await f.stop();
      }
    }

    if (want(11)) {
      log('11 forward auth (nginx auth_request) vs /healthz and vs a logged 404 on /api, on BFF 1');
      // App 1 answers forward auth only to TRUST_PROXY addresses: the load generator is the proxy here.
      const g = await startDomain({ withApp2: false, env: { ...DOMAIN_ENV, TRUST_PROXY: 'loopback' } });
      domains.push(g);
      try {
        const [account] = await signUpMany(g, 1, 'bench-fa');
        const authz: Route = {
          label: 'GET /api/authz/auth-request',
          url: g.urls.app1,
          path: '/api/authz/auth-request',
          headers: { cookie: `${TOKEN_COOKIE}=${account!.token}`, 'x-original-url': `http://app4.${AUDIENCE}/notes?id=7`, 'x-original-method': 'GET' },
        };
        const cmp = await compareRoutes(run, plan, [{ label: 'GET /healthz (app 1)', url: g.urls.app1, path: '/healthz' }, authz, { ...authz, label: 'GET /api/missing (404, app 1)', path: '/api/missing', expectStatus: 404 }]);
        const [health, fa, notFound] = cmp.sides as [Aggregate, Aggregate, Aggregate];
        const ratio = fa.rps / health.rps;
        add({ id: '11a', figure: 'forward auth throughput / /healthz throughput (app 1)', value: ratio, unit: 'x', target: `>= ${ME_TARGET.toFixed(2)}`, verdict: ratio >= ME_TARGET ? 'PASS' : 'FAIL' });
        add({ id: '11b', figure: 'forward auth throughput / logged 404 on /api throughput', value: fa.rps / notFound.rps, unit: 'x', target: '-', verdict: 'info' });
        add({ id: '11c', figure: 'GET /api/authz/auth-request (signed in, allowed), throughput', value: fa.rps, unit: 'req/s', target: '-', verdict: 'info' });
        add({ id: '11d', figure: 'GET /healthz on app 1, throughput', value: health.rps, unit: 'req/s', target: '-', verdict: 'info' });
        add({ id: '11e', figure: 'GET /api/authz/auth-request, p99', value: fa.p99, unit: 'ms', target: '-', verdict: 'info' });
        add({ id: '11f', figure: 'GET /healthz on app 1, p99', value: health.p99, unit: 'ms', target: '-', verdict: 'info' });
        const rounds = cmp.roundRatios[1]!;
        if (rounds.length > 1) {
          add({ id: '11g', figure: `forward auth ratio, worst of ${rounds.length} rounds (noise)`, value: Math.min(...rounds), unit: 'x', target: '-', verdict: 'info' });
          add({ id: '11h', figure: `forward auth ratio, best of ${rounds.length} rounds (noise)`, value: Math.max(...rounds), unit: 'x', target: '-', verdict: 'info' });
        }
        if (ratio < ME_TARGET) {
          notes.push(`11a (${ratio.toFixed(2)} x): forward auth runs at ${(fa.rps / notFound.rps).toFixed(2)} x a 404 on the same /api router (11b); the gap to /healthz beyond that is the /api path every request takes.`);
        }
      } finally {
        domains.pop();
        await g.stop();
      }
    }
  } finally {
    await load.close();
    for (const d of domains.reverse()) await d.stop();
  }

  // After the in-process domains stopped: the size curve runs the services as child processes.
  if (want(10)) {
    log('10 size curve: 1k, 10k, 100k users with 5 sessions each (quick: 200, 1k), lowdb and PostgreSQL');
    const curve = await runSizeCurve({ quick, log, postgres: true });
    figures.push(...curve.figures);
    warnings.push(...curve.warnings);
    notes.push(...curve.notes);
  }

  const results: BenchResults = {
    quick,
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - t0) / 1000,
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', bcryptCost: BCRYPT_COST, loadAverage: { before: loadBefore, after: loadavg()[0]! } },
    plan,
    figures,
    warnings,
    notes,
    outFile,
  };
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  if (print) process.stdout.write(formatTable(results));
  return results;
}

// ---------------------------------------------------------------------------

export interface Account {
  username: string;
  token: string;
  refresh: string;
}

/** A load run plus the event-loop utilisation of this (the BFFs') main thread during it. */
type Measured = LoadResult & { elu: number };
type Runner = (label: string, spec: LoadSpec) => Promise<Measured>;
type Route = Omit<LoadSpec, 'connections' | 'maxSeconds' | 'amount' | 'durationSeconds'> & { label: string };

const healthz = (d: Domain): Route => ({ label: 'GET /healthz', url: d.urls.app2, path: '/healthz' });
const meRoute = (d: Domain, token: string): Route => ({
  label: 'GET /api/me',
  url: d.urls.app2,
  path: '/api/me',
  headers: token ? { cookie: `${TOKEN_COOKIE}=${token}` } : {},
});
/**
 * A path the API router does not know, with the same cookie as /api/me: the
 * same request bytes, the same middleware, access log and router, answered
 * 404 by the API router's catch-all. /api/me against it is like for like.
 */
const apiNotFound = (d: Domain, token: string): Route => ({ ...meRoute(d, token), label: 'GET /api/missing (404)', path: '/api/missing', expectStatus: 404 });

function cookieValue(setCookies: string[], name: string): string | undefined {
  const line = setCookies.find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';', 1)[0];
}

/** Signs up `n` accounts at app 1, one after the other (bcrypt is the cost). */
export async function signUpMany(domain: Domain, n: number, prefix: string): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < n; i++) {
    const username = `${prefix}-${i}`;
    const res = await fetch(`${domain.urls.app1}/api/signup`, {
      method: 'POST',
      headers: { origin: domain.origins.app1, 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, name: `Bench User ${i}`, email: `${username}@example.test` }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    const setCookies = res.headers.getSetCookie();
    const token = cookieValue(setCookies, TOKEN_COOKIE);
    const refresh = cookieValue(setCookies, REFRESH_COOKIE);
    if (res.status !== 201 || !token || !refresh) throw new Error(`sign-up of ${username} answered ${res.status}`);
    accounts.push({ username, token, refresh });
  }
  return accounts;
}

/** First /api/me: fetches the JWKS and provisions the user, so later calls take the steady path. */
export async function warmMe(domain: Domain, token: string): Promise<string> {
  const res = await fetch(`${domain.urls.app2}/api/me`, { headers: { cookie: `${TOKEN_COOKIE}=${token}` }, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { user?: { id?: string } };
  if (res.status !== 200 || !body.user?.id) throw new Error(`/api/me answered ${res.status} during warm-up`);
  return token;
}

/** `n` tokens signed with app 1's own key (as sso-flow.test.ts does); each has its own jti. */
async function mint(signer: TokenSigner, n: number, subject: (i: number) => SubjectClaims): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) tokens.push((await signer.sign(subject(i))).token);
  return tokens;
}

interface Aggregate {
  ok: number;
  rps: number;
  p50: number;
  p99: number;
  /** Share of the time the BFFs' event loop was busy (1 = the server, not the client, is the limit). */
  elu: number;
}

function aggregate(results: Measured[]): Aggregate {
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const ms = results.reduce((s, r) => s + r.elapsedMs, 0);
  const latencies = concat(results.map((r) => r.latencies));
  const elu = results.reduce((s, r) => s + r.elu * r.elapsedMs, 0) / ms;
  return { ok, rps: ok / (ms / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), elu };
}

/**
 * Throughput of routes on the same server, in mirrored order (a b c, c b a,
 * ...) so a drift in machine speed during the run hits all alike; with two
 * routes that is ABBA. Each route gets a warm-up first; p99 is over every
 * request of the measured rounds.
 */
async function compareRoutes(run: Runner, plan: Plan, routes: readonly Route[]): Promise<Comparison> {
  const spec = (r: Route, seconds: number): LoadSpec => {
    const { label: _label, ...rest } = r;
    return { ...rest, connections: plan.connections, durationSeconds: seconds, maxSeconds: seconds + 10 };
  };
  for (const route of routes) await run(`${route.label} warm-up`, spec(route, plan.warmupSeconds));
  const measured: Measured[][] = routes.map(() => []);
  for (let i = 0; i < plan.rounds; i++) {
    const order = i % 2 === 0 ? routes : [...routes].reverse();
    for (const route of order) measured[routes.indexOf(route)]!.push(await run(route.label, spec(route, plan.roundSeconds)));
  }
  const rate = (r: Measured) => r.ok / r.elapsedMs;
  return {
    sides: measured.map(aggregate),
    roundRatios: measured.map((rounds) => rounds.map((r, i) => rate(r) / rate(measured[0]![i]!))),
  };
}

interface Comparison {
  /** One aggregate per route, in the order given. */
  sides: Aggregate[];
  /** Per route, its throughput over the first route's in each round: their spread shows how much to trust the overall ratio. */
  roundRatios: number[][];
}

/** Figures 1 and 2: sides are /healthz, /api/me and the 404 on /api, in that order. Returns a note when the target is missed. */
function addComparison(add: (f: Figure) => void, n: string, alg: string, cmp: Comparison): string[] {
  const [health, me, notFound] = cmp.sides as [Aggregate, Aggregate, Aggregate];
  const ratio = me.rps / health.rps;
  const likeForLike = me.rps / notFound.rps;
  add({ id: `${n}a`, figure: `${alg} /api/me throughput / /healthz throughput`, value: ratio, unit: 'x', target: `>= ${ME_TARGET.toFixed(2)}`, verdict: ratio >= ME_TARGET ? 'PASS' : 'FAIL' });
  // Beside the judged ratio: the same route against the cheapest answer of the same router.
  add({ id: `${n}j`, figure: `${alg} /api/me throughput / logged 404 on /api throughput`, value: likeForLike, unit: 'x', target: '-', verdict: 'info' });
  add({ id: `${n}b`, figure: `${alg} GET /healthz, throughput`, value: health.rps, unit: 'req/s', target: '-', verdict: 'info' });
  add({ id: `${n}c`, figure: `${alg} GET /api/me, throughput`, value: me.rps, unit: 'req/s', target: '-', verdict: 'info' });
  add({ id: `${n}k`, figure: `${alg} GET /api/missing (logged 404), throughput`, value: notFound.rps, unit: 'req/s', target: '-', verdict: 'info' });
  add({ id: `${n}d`, figure: `${alg} GET /healthz, p99`, value: health.p99, unit: 'ms', target: '-', verdict: 'info' });
  add({ id: `${n}e`, figure: `${alg} GET /api/me, p99`, value: me.p99, unit: 'ms', target: '-', verdict: 'info' });
  // Near 100 %: the server, not the load generator, sets the pace.
  add({ id: `${n}f`, figure: `${alg} BFF event loop busy during /healthz`, value: health.elu * 100, unit: '%', target: '-', verdict: 'info' });
  add({ id: `${n}g`, figure: `${alg} BFF event loop busy during /api/me`, value: me.elu * 100, unit: '%', target: '-', verdict: 'info' });
  const rounds = cmp.roundRatios[1]!;
  if (rounds.length > 1) {
    add({ id: `${n}h`, figure: `${alg} ratio, worst of ${rounds.length} rounds (noise)`, value: Math.min(...rounds), unit: 'x', target: '-', verdict: 'info' });
    add({ id: `${n}i`, figure: `${alg} ratio, best of ${rounds.length} rounds (noise)`, value: Math.max(...rounds), unit: 'x', target: '-', verdict: 'info' });
  }
  if (ratio >= ME_TARGET) return [];
  return [
    `${n}a (${ratio.toFixed(2)} x): /api/me runs at ${likeForLike.toFixed(2)} x a 404 on the same router (${n}j), which itself runs at ${(notFound.rps / health.rps).toFixed(2)} x /healthz: ` +
      (likeForLike >= 0.97
        ? 'the rest is the path every /api request takes (mount, no-store headers, access log), not /api/me. Rounds spread ' +
          `${Math.min(...rounds).toFixed(2)} to ${Math.max(...rounds).toFixed(2)} x (${n}h, ${n}i): on a busy machine, run again.`
        : `the session check, the store and the answer cost ${((1 / likeForLike - 1) * 100).toFixed(0)} % more than the 404: profile with bench/profile.ts me.`),
  ];
}

/** A full GC when it can be had (node --expose-gc, or the V8 flag set at run time). */
function exposeGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function gcHeapMb(gc: (() => void) | null): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function formatValue(f: Figure): string {
  const v = f.value;
  if (f.unit === 'x') return `${v.toFixed(2)} x`;
  if (f.unit === 'req/s') return `${v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1)} req/s`;
  if (f.unit === 'ms') return `${v >= 100 ? v.toFixed(0) : v.toFixed(2)} ms`;
  if (f.unit === 'MB') return `${v.toFixed(1)} MB`;
  if (f.unit === '%') return `${v.toFixed(0)} %`;
  return `${v} ${f.unit}`;
}

export function formatTable(results: BenchResults): string {
  const head = ['#', 'figure', 'measured', 'target', 'result'];
  const rows = results.figures.map((f) => [f.id, f.figure, formatValue(f), f.target, f.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const failed = results.figures.filter((f) => f.verdict === 'FAIL');
  const passed = results.figures.filter((f) => f.verdict === 'PASS');
  const env = results.environment;
  const out = [
    '',
    `SSO benchmark (${results.quick ? 'quick' : 'full'}): node ${env.node}, ${env.cpus} x ${env.cpuModel}, bcrypt cost ${env.bcryptCost}, ${results.durationSeconds.toFixed(1)} s`,
    '',
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `${passed.length} target(s) met, ${failed.length} missed${failed.length ? `: ${failed.map((f) => `${f.id} (${formatValue(f)}, target ${f.target})`).join(', ')}` : ''}`,
    ...(results.notes.length ? ['', 'TARGETS MISSED, and what would meet them:', ...results.notes.map((n) => `  - ${n}`)] : []),
    ...(results.warnings.length ? ['', 'WARNINGS (these figures are suspect):', ...results.warnings.map((w) => `  - ${w}`)] : []),
    ...(env.loadAverage.before > env.cpus / 2
      ? ['', `NOTE: the machine was already busy (1-min load average ${env.loadAverage.before.toFixed(1)} on ${env.cpus} cpus before the run): expect noisy figures, compare the best/worst rows.`]
      : []),
    `results written to ${results.outFile}`,
    '',
  ];
  return out.join('\n');
}

function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = {};
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg.startsWith('--only=')) options.only = arg.slice(7).split(',').map(Number).filter((n) => n >= 1 && n <= 11);
    else if (arg.startsWith('--out=')) options.outFile = arg.slice(6);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node --import tsx bench/run.ts [--quick] [--only=1,2,...,11] [--out=FILE]\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option ${arg}\n`);
      process.exit(2);
    }
  }
  return options;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runBench(parseArgs(process.argv.slice(2))).then(
    // A report: exit 0 whether or not the targets are met.
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
