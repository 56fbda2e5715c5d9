import { Writable } from 'node:stream';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sso/bff-common';
import { ProblemSchema } from '@sso/types';
import { startDomain, type Domain } from './harness';

/** Every log line both apps write, parsed: the test asserts none is an error or carries a stack. */
const lines: { level: number; msg?: string; [key: string]: unknown }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
const logger = (name: string) => createLogger({ name, level: 'info', destination: sink });

let domain: Domain;
let spaDir: string;
const relaxed = { failures: 1e6, durationSeconds: 1, blockSeconds: 1 };

beforeAll(async () => {
  // A real built SPA, so the static-file path (send / serve-static) is the one exercised.
  spaDir = await mkdtemp(path.join(tmpdir(), 'sso-spa-'));
  await mkdir(path.join(spaDir, 'assets'));
  await writeFile(path.join(spaDir, 'index.html'), '<!doctype html><html><head><!--sso-client-config--></head><body></body></html>');
  await writeFile(path.join(spaDir, 'assets', 'app.js'), 'console.log("app");\n'.repeat(100));
  await writeFile(path.join(spaDir, 'favicon.ico'), 'icon');
  domain = await startDomain({
    env: { SPA_DIR: spaDir },
    app1: { logger: logger('app1'), throttleLimits: { perUserAddress: relaxed, perAddress: relaxed, perUser: relaxed } },
    app2: { logger: logger('app2') },
  });
  // App 2 fetches app 1's keys now, so no fuzzed cookie can meet a cold JWKS
  // (a slow first fetch on a busy machine is a 503 that is not bad input).
  expect((await fetch(`${domain.urls.app2}/readyz`)).status).toBe(200);
});
afterAll(async () => {
  await domain?.stop();
  await rm(spaDir, { recursive: true, force: true });
});
beforeEach(() => {
  lines.length = 0;
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A raw request through node:http: unlike fetch, it sends the path as written
 * (no `..` folding, no re-encoding). One connection per request, so a reset
 * socket is the server's doing, never a keep-alive race.
 */
function send(app: 'app1' | 'app2', method: string, target: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Raw> {
  const port = Number(new URL(domain.urls[app]).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** No log line at error level or above, and none with a stack trace. */
function expectQuietLogs() {
  expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  expect(lines.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
}

function expectProblem(res: Raw, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(ProblemSchema.parse(JSON.parse(res.body)).code).toBe(code);
}

describe('bad paths on the static files', () => {
  it.each(['app1', 'app2'] as const)('%s serves a real asset with immutable caching, and index.html for a client route', async (app) => {
    const asset = await send(app, 'GET', '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const page = await send(app, 'GET', '/some/client/route');
    expect(page.status).toBe(200);
    expect(page.body).toContain('sso-client-config');
  });

  it.each(['app1', 'app2'] as const)('%s answers a missing, undecodable, NUL or climbing asset path with 404 NOT_FOUND, logged at info without a stack', async (app) => {
    for (const target of ['/assets/nonexistent.js', '/assets/%00', '/assets/x%ff', '/assets/..%2f..%2fpackage.json', '/assets/.hidden', '/assets/', '/assets', `/assets/${'a'.repeat(4000)}.js`]) {
      expectProblem(await send(app, 'GET', target), 404, 'NOT_FOUND');
    }
    // Each is one access line at info, nothing more.
    expect(lines.filter((l) => (l.res as { status?: number } | undefined)?.status === 404).every((l) => l.level === 30)).toBe(true);
    expectQuietLogs();
  });

  it.each(['app1', 'app2'] as const)('%s answers another method on an asset or page with 404 problem+json, not an empty 405 or an HTML page', async (app) => {
    expectProblem(await send(app, 'POST', '/assets/app.js'), 404, 'NOT_FOUND');
    expectProblem(await send(app, 'DELETE', '/'), 404, 'NOT_FOUND');
  });

  it.each(['app1', 'app2'] as const)('%s answers a page path that does not percent-decode with 400 BAD_REQUEST', async (app) => {
    expectProblem(await send(app, 'GET', '/x%ff'), 400, 'BAD_REQUEST');
    expectQuietLogs();
  });

  it('an unsatisfiable range or a failed If-Match is a 4xx problem, not a 500', async () => {
    const range = await send('app1', 'GET', '/assets/app.js', { range: 'bytes=999999-' });
    expectProblem(range, 416, 'BAD_REQUEST');
    const match = await send('app2', 'GET', '/assets/app.js', { 'if-match': '"nope"' });
    expectProblem(match, 412, 'BAD_REQUEST');
    expectQuietLogs();
  });
});

describe('compressed bodies', () => {
  const json = (app: 'app1', encoding: string, body: Buffer) =>
    send(app, 'POST', '/api/login', { origin: domain.origins.app1, 'content-type': 'application/json', 'content-encoding': encoding }, body);

  it.each(['gzip', 'deflate', 'br'])('a %s body that does not inflate answers 400 BAD_REQUEST, logged at info without a stack', async (encoding) => {
    expectProblem(await json('app1', encoding, Buffer.from('this is not compressed at all')), 400, 'BAD_REQUEST');
    // A truncated stream fails the same way.
    expectProblem(await json('app1', encoding, gzipSync('{"username":"a","password":"b"}').subarray(0, 12)), 400, 'BAD_REQUEST');
    expect(lines.find((l) => l.msg === 'request rejected')).toMatchObject({ level: 30, status: 400, code: 'BAD_REQUEST' });
    expectQuietLogs();
  });

  it('a well-formed gzip, deflate or br body is inflated and validated like a plain one', async () => {
    // Field errors prove the JSON was read (and cost no bcrypt time, so no load-dependent 429).
    const body = JSON.stringify({ username: 42 });
    for (const [encoding, packed] of [['gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)]] as const) {
      const res = await json('app1', encoding, packed);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(Object.keys(ProblemSchema.parse(JSON.parse(res.body)).errors ?? {})).toContain('username');
    }
  });

  it.each(['zstd', 'compress', 'x-unknown', 'gzip, br'])('an unsupported content-encoding %j answers 415 UNSUPPORTED_MEDIA_TYPE', async (encoding) => {
    expectProblem(await json('app1', encoding, Buffer.from('{}')), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectQuietLogs();
  });
});

// ---------------------------------------------------------------- the fuzz

const junkChar = fc.constantFrom(...'abcAZ09-._~!$&\'()*+,;=:@%/?#[]\\^`{|}"<>'.split(''), '\u00ff', '\u0080');
const segment = fc.oneof(
  fc.constantFrom('%00', '%ff', '%fe%ff', '%', '%2', '%zz', '%u0041', '..', '.', '%2e%2e', '%2e', '%2f', '%5c', '..%2f..%2f', '..\\..', '%c0%af', '%e2%80%ae', '%ef%bb%bf', 'app.js', 'index.html', 'favicon.ico', '.env', '.git', 'jwks.json', ''),
  fc.string({ unit: junkChar, maxLength: 30 }),
  fc.integer({ min: 200, max: 5000 }).map((n) => 'a'.repeat(n)),
);
const prefix = fc.constantFrom(
  '/', '/assets/', '/api/', '/api/login', '/api/signup', '/api/logout', '/api/session', '/api/session/refresh', '/api/me', '/api/revocations',
  '/api/account/password', '/.well-known/jwks.json', '/.well-known/', '/healthz', '/readyz', '/login', '/logout', '//', '/%2e%2e/',
);
const target = fc
  .tuple(prefix, fc.array(segment, { maxLength: 4 }), fc.option(fc.string({ unit: junkChar, maxLength: 40 }), { nil: undefined }))
  .map(([p, segs, query]) => `${p}${segs.join('/')}${query === undefined ? '' : `?${query}`}`)
  .filter((t) => t.startsWith('/') && !t.includes('#'));

const method = fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND');
/** Printable header text (what node:http lets a client send), junk included. */
const headerJunk = fc.string({ unit: fc.constantFrom(...' abcXYZ019;,="\\/*=+-_.:@()<>{}[]%\t'.split(''), '\u00e9', '\u00ff'), maxLength: 60 }).map((s) => s.trim());

const headers = (app: 'app1' | 'app2') =>
  fc.record(
    {
      'content-type': fc.oneof(
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin9', 'application/json; charset="', 'application/json;;', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '*/*', ';;;', 'application/problem+json'),
        headerJunk,
      ),
      'content-encoding': fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd', 'x-gzip', 'gzip, gzip', 'compress', 'GZIP'), headerJunk),
      accept: fc.oneof(fc.constantFrom('*/*', 'text/html', 'application/json', 'application/problem+json', 'application/json;q=abc', ',,,', 'text/html;q=0'), headerJunk),
      'accept-encoding': fc.oneof(fc.constantFrom('gzip', 'br;q=2', 'identity;q=0', '*;q=0', 'gzip;q=x'), headerJunk),
      origin: fc.oneof(fc.constantFrom(domain.origins[app], domain.origins.app1, domain.origins.app2, 'null', 'http://evil.example', 'http://app1.sso.localhost', `${domain.origins[app]}/`), headerJunk),
      cookie: fc.oneof(
        fc.constantFrom('__Secure-sso=garbage', '__Secure-sso=a; __Secure-sso=b', '__Secure-sso=%ff', '__Host-sso-refresh=%00', '=;=;', ';', '__proto__=x', `__Secure-sso=${'a'.repeat(4000)}`, '__Secure-sso=eyJhbGciOiJub25lIn0.e30.'),
        headerJunk,
      ),
      range: fc.constantFrom('bytes=0-0', 'bytes=999999-', 'bytes=abc', 'bytes=5-1', 'bytes=0-1,2-3'),
      'if-match': fc.constantFrom('"x"', '*', 'W/"x"'),
      'if-none-match': fc.oneof(fc.constantFrom('*', '"x"'), headerJunk),
      'if-modified-since': fc.oneof(fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'yesterday'), headerJunk),
      'x-request-id': headerJunk,
      'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1, 300.1.1.1', 'unknown'), headerJunk),
      authorization: headerJunk,
      'access-control-request-method': fc.constantFrom('POST', 'DELETE', 'X'),
    },
    { requiredKeys: [] },
  );

const jsonText = fc.oneof(fc.json({ maxDepth: 3 }), fc.constant('{"username":"fuzz","password":"fuzz-password-1"}'));
const body = fc.oneof(
  fc.constant(undefined),
  jsonText.map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  jsonText.map((t) => gzipSync(t)),
  jsonText.map((t) => deflateSync(t)),
  jsonText.map((t) => brotliCompressSync(t)),
  jsonText.map((t) => gzipSync(t).subarray(0, 10)),
);

describe('fuzz: paths, methods and headers', () => {
  it.each(['app1', 'app2'] as const)('%s: random paths, methods, headers and bodies get zero 5xx, and every error is problem+json', async (app) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, target, headers(app), body, async (m, t, h, b) => {
        const withBody = m === 'GET' || m === 'HEAD' ? undefined : b;
        const res = await send(app, m, t, h, withBody);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${m} ${t.slice(0, 200)} ${JSON.stringify(h).slice(0, 300)}`).toBeLessThan(500);
        // Node's own parser answers a request it cannot parse (400) or whose
        // head is over 16 KiB (431) with a bare status line and closes.
        const parserReject = (res.status === 400 || res.status === 431) && res.headers['content-type'] === undefined;
        if (res.status >= 400 && !parserReject) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 700 },
    );
    expectQuietLogs();
    console.log(`${app} fuzz statuses`, Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
  });
});
