// Load generator for bench/run.ts, run in a worker thread so that the client
// never shares an event loop with the BFFs it measures. Plain JavaScript on
// purpose: a worker started from Vitest or from `node --import tsx` loads it
// without a TypeScript loader. bench/load.ts holds the typed side of the
// protocol (LoadSpec in, LoadResult out); keep the two in step.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

if (!parentPort) throw new Error('bench/load-worker.mjs must run in a worker thread');
const port = parentPort;

/** The run under way, so that a `stop` message can end it early. */
let current = null;

port.on('message', async (message) => {
  if (message.stop) {
    current?.stop();
    return;
  }
  const { id, spec } = message;
  try {
    const result = await run(spec);
    port.postMessage({ id, ok: true, result }, [result.latencies.buffer]);
  } catch (err) {
    port.postMessage({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});

/** Every value of a response header, from autocannon's raw-header object (any case). */
function headerValues(headers, name) {
  const out = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== name) continue;
    if (Array.isArray(value)) out.push(...value.map(String));
    else out.push(String(value));
  }
  return out;
}

function run(spec) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const maxSamples = spec.maxLatencySamples ?? 250_000;
    const statusCodes = {};
    let ok = 0;
    let notOk = 0;
    let cookieIndex = 0;
    let bodyIndex = 0;
    let chainStarved = 0;
    const chain = spec.chainCookie ? [...spec.chainCookie.initial] : null;

    const request = {
      method: spec.method ?? 'GET',
      path: spec.path,
      headers: { ...(spec.headers ?? {}) },
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    };
    if (spec.rotateCookie || spec.rotateBody || chain) {
      // Called once per request, after the previous response on the same
      // connection was read (autocannon calls onResponse before building the
      // next request), so a chained cookie is always the newest one.
      request.setupRequest = (req) => {
        const headers = { ...req.headers };
        if (spec.rotateCookie) {
          const { name, values } = spec.rotateCookie;
          headers.cookie = `${name}=${values[cookieIndex++ % values.length]}`;
        }
        if (chain) {
          const value = chain.shift();
          if (value === undefined) chainStarved++;
          else headers.cookie = `${spec.chainCookie.name}=${value}`;
        }
        const body = spec.rotateBody ? spec.rotateBody[bodyIndex++ % spec.rotateBody.length] : req.body;
        return { ...req, headers, body };
      };
    }
    if (chain) {
      const prefix = `${spec.chainCookie.name}=`;
      request.onResponse = (_status, _body, _context, headers) => {
        for (const cookie of headerValues(headers, 'set-cookie')) {
          if (!cookie.startsWith(prefix)) continue;
          const value = cookie.slice(prefix.length, cookie.indexOf(';') === -1 ? undefined : cookie.indexOf(';'));
          if (value) chain.push(value);
        }
      };
    }

    const options = {
      url: spec.url,
      connections: spec.connections,
      pipelining: 1,
      timeout: spec.timeoutSeconds ?? 10,
      // autocannon notices the end of a run only on this tick: the default
      // (1 s) would add up to a second of idle time to every fixed-count run.
      sampleInt: 50,
      requests: [request],
      ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds }),
    };

    const started = performance.now();
    let lastResponseAt = started;
    let stoppedByCap = false;
    let instance;
    const cap = setTimeout(() => {
      stoppedByCap = true;
      instance?.stop();
    }, spec.maxSeconds * 1000);
    instance = autocannon(options, (err, res) => {
      clearTimeout(cap);
      current = null;
      // From the start to the last answer, not to autocannon's callback
      // (which comes on its next tick).
      const elapsedMs = lastResponseAt - started;
      if (err) {
        reject(err);
        return;
      }
      resolve({
        elapsedMs,
        ok,
        notOk,
        statusCodes,
        errors: res.errors,
        timeouts: res.timeouts,
        chainStarved,
        stoppedByCap,
        latencies: Float64Array.from(latencies),
      });
    });
    current = instance;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (spec.expectStatus === undefined ? statusCode >= 200 && statusCode < 300 : statusCode === spec.expectStatus) {
        ok++;
        if (latencies.length < maxSamples) latencies.push(responseTime);
      } else {
        notOk++;
      }
    });
  });
}
