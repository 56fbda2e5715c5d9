import { Worker } from 'node:worker_threads';

/** One load run, executed by autocannon in bench/load-worker.mjs. */
export interface LoadSpec {
  /** Origin only, e.g. http://127.0.0.1:3002 (loopback). */
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Exactly this many requests... */
  amount?: number;
  /** ...or as many as fit in this many seconds. */
  durationSeconds?: number;
  /** Hard cap on the run, whatever happens to the server. */
  maxSeconds: number;
  timeoutSeconds?: number;
  /** Each request carries the next value of this cookie (round robin). */
  rotateCookie?: { name: string; values: string[] };
  /** Each request carries the next body (round robin). */
  rotateBody?: string[];
  /**
   * Rotating cookies (refresh tokens): each request takes a value from the
   * pool, each response's Set-Cookie of that name puts the new value back.
   * Start with one value per connection.
   */
  chainCookie?: { name: string; initial: string[] };
  maxLatencySamples?: number;
  /** The status every answer should have (a 404 route, say); default: any 2xx. */
  expectStatus?: number;
}

export interface LoadResult {
  elapsedMs: number;
  /** Answers with the expected status (2xx unless the spec says `expectStatus`). */
  ok: number;
  notOk: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Requests sent without a chained cookie because the pool was empty. */
  chainStarved: number;
  stoppedByCap: boolean;
  /** Latency of each expected answer, ms (client side: write to last byte). */
  latencies: Float64Array;
}

type Reply = { id: number; ok: true; result: LoadResult } | { id: number; ok: false; error: string };

/** A long-lived worker thread running autocannon, one run at a time. */
export class LoadGenerator {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  constructor() {
    // Plain .mjs: no TypeScript loader is needed in the worker, whether the
    // parent runs under tsx or Vitest. execArgv: [] keeps --cpu-prof and
    // loaders of the parent out of the worker.
    this.worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { execArgv: [] });
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`load worker: ${reply.error}`));
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`load worker exited with code ${code}`)));
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, spec });
    });
  }

  /** Ends the run under way now (a run given a long duration); it resolves with what it measured. */
  stop(): void {
    this.worker.postMessage({ stop: true });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(err: Error) {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

/** Exact percentile (nearest rank) of unsorted samples; NaN when empty. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function concat(arrays: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
