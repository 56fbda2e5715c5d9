/**
 * Where the time goes on one route: runs load against a fresh domain (same
 * setup as bench/run.ts) with the V8 sampling profiler on the BFFs' main
 * thread, then prints self time by package and by function. Writes the raw
 * .cpuprofile too (open it in Chrome DevTools > Performance, or speedscope).
 *
 *   node --import tsx bench/profile.ts [me|me-miss|healthz|provision|refresh] [--seconds=5]
 *
 * me: existing user, same token (verifier cache hit); me-miss: existing user,
 * a new token per request; provision: a brand-new user per request.
 */
import { writeFile } from 'node:fs/promises';
import { Session, type Profiler } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTokenSigner, loadOrCreateKeySet } from '@sso/session';
import { startDomain } from '../bff/integration/harness';
import { LoadGenerator, percentile, type LoadSpec } from './load';
import { DOMAIN_ENV, REFRESH_COOKIE, TOKEN_COOKIE, signUpMany, warmMe } from './run';

type Target = 'me' | 'me-miss' | 'healthz' | 'provision' | 'refresh';
const TARGETS: Target[] = ['me', 'me-miss', 'healthz', 'provision', 'refresh'];

export interface ProfileSummary {
  target: Target;
  requests: number;
  rps: number;
  p99: number;
  totalMs: number;
  byCategory: { category: string; ms: number; share: number }[];
  byFunction: { fn: string; ms: number; share: number }[];
  file: string;
}

export async function profileRoute(target: Target, seconds = 5): Promise<ProfileSummary> {
  const domain = await startDomain({ env: DOMAIN_ENV });
  const load = new LoadGenerator();
  const session = new Session();
  try {
    // Refresh chains are used up by a warm-up (each token works once), so the
    // warm-up gets its own sessions: accounts 4..7.
    const accounts = await signUpMany(domain, target === 'refresh' ? 8 : 4, 'prof');
    const token = await warmMe(domain, accounts[0]!.token);
    let spec: LoadSpec;
    const base = { connections: 10, maxSeconds: seconds + 30 };
    if (target === 'healthz') {
      spec = { ...base, url: domain.urls.app2, path: '/healthz', durationSeconds: seconds };
    } else if (target === 'me') {
      spec = { ...base, url: domain.urls.app2, path: '/api/me', headers: { cookie: `${TOKEN_COOKIE}=${token}` }, durationSeconds: seconds };
    } else if (target === 'provision' || target === 'me-miss') {
      // Each token is used once: brand-new subjects, or the existing user
      // with a new jti each time (a miss in the verifier's token cache).
      const keys = await loadOrCreateKeySet({ dir: domain.dataDir, retainSeconds: 605 });
      const signer = createTokenSigner({ issuer: domain.origins.app1, audience: 'sso.localhost', method: { alg: 'EdDSA', currentKey: keys.current } });
      const tag = randomBytes(4).toString('hex');
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string; preferred_username: string; email: string | null; name: string | null };
      const values: string[] = [];
      for (let i = 0; i < 4000; i++) {
        const subject =
          target === 'provision'
            ? { sub: `usr_prof_${tag}_${i}`, sid: `ses_prof_${tag}_${i}`, preferred_username: `p-${tag}-${i}` }
            : { sub: claims.sub, sid: claims.sid, preferred_username: claims.preferred_username, email: claims.email, name: claims.name };
        values.push((await signer.sign(subject)).token);
      }
      spec = { ...base, url: domain.urls.app2, path: '/api/me', rotateCookie: { name: TOKEN_COOKIE, values }, amount: values.length };
    } else {
      spec = {
        ...base,
        connections: 4,
        url: domain.urls.app1,
        path: '/api/session/refresh',
        method: 'POST',
        headers: { origin: domain.origins.app1, 'content-type': 'application/json' },
        body: '{}',
        chainCookie: { name: REFRESH_COOKIE, initial: accounts.slice(0, 4).map((a) => a.refresh) },
        durationSeconds: seconds,
      };
    }
    // A short warm-up outside the profile (JIT), with the steady-state route.
    if (target === 'provision' || target === 'me-miss') {
      await load.run({ ...base, url: domain.urls.app2, path: '/api/me', headers: { cookie: `${TOKEN_COOKIE}=${token}` }, durationSeconds: 1 });
    } else if (target === 'refresh') {
      await load.run({ ...spec, chainCookie: { name: REFRESH_COOKIE, initial: accounts.slice(4).map((a) => a.refresh) }, durationSeconds: 1 });
    } else await load.run({ ...spec, durationSeconds: 1, amount: undefined });

    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const result = await load.run(spec);
    const { profile } = await session.post('Profiler.stop');
    if (result.notOk > 0 || result.chainStarved > 0) {
      process.stderr.write(`warning: ${result.notOk} non-2xx answers ${JSON.stringify(result.statusCodes)}\n`);
    }

    const file = path.join(tmpdir(), `sso-bench-${target}-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    const { byCategory, byFunction, totalMs } = summarize(profile);
    return {
      target,
      requests: result.ok,
      rps: result.ok / (result.elapsedMs / 1000),
      totalMs,
      byCategory,
      byFunction,
      file,
      p99: percentile(result.latencies, 99),
    };
  } finally {
    session.disconnect();
    await load.close();
    await domain.stop();
  }
}

function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName || '(anonymous)';
  if (url.startsWith('node:')) {
    const rest = url.replace(/^node:(internal\/)?/, '');
    return `node:${rest.split('/')[0]}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const own = /\/(bff\/[^/]+|shared\/[^/]+|bench)\//.exec(url);
  return own ? own[1]! : url;
}

function summarize(profile: Profiler.Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i+1] is the time the sample i was current.
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dt);
  }
  const cat = new Map<string, number>();
  const fn = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    totalUs += us;
    const c = categoryOf(url, functionName);
    cat.set(c, (cat.get(c) ?? 0) + us);
    const short = url ? `${url.replace(/^file:\/\/.*?\/(node_modules\/|(?=bff\/|shared\/|bench\/))/, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${short}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ key: k, ms: us / 1000, share: us / totalUs }));
  return {
    totalMs: totalUs / 1000,
    byCategory: rank(cat).map(({ key, ms, share }) => ({ category: key, ms, share })),
    byFunction: rank(fn).map(({ key, ms, share }) => ({ fn: key, ms, share })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const target = (args.find((a) => !a.startsWith('--')) ?? 'me') as Target;
  if (!TARGETS.includes(target)) {
    process.stderr.write(`usage: node --import tsx bench/profile.ts [${TARGETS.join('|')}] [--seconds=5]\n`);
    process.exit(2);
  }
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 5);
  profileRoute(target, Math.min(Math.max(seconds, 1), 60)).then(
    (s) => {
      const perReqUs = (ms: number) => ((ms * 1000) / s.requests).toFixed(1);
      const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
      const out = [
        `${s.target}: ${s.requests} requests, ${Math.round(s.rps)} req/s, p99 ${s.p99.toFixed(2)} ms; main thread busy ${s.totalMs.toFixed(0)} ms = ${perReqUs(s.totalMs)} µs/request`,
        '',
        'self time by package / area (µs per request):',
        ...s.byCategory.slice(0, 20).map((c) => `  ${pct(c.share)}  ${perReqUs(c.ms).padStart(7)}  ${c.category}`),
        '',
        'top functions by self time (µs per request):',
        ...s.byFunction.slice(0, 30).map((f) => `  ${pct(f.share)}  ${perReqUs(f.ms).padStart(7)}  ${f.fn}`),
        '',
        `profile: ${s.file}`,
        '',
      ];
      process.stdout.write(out.join('\n'));
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
