import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { bcryptCost } from './user-store';

/** Hashes and checks passwords. A wrong password is a value (`false`), not an exception. */
export interface PasswordHasher {
  /** The configured cost (`BCRYPT_COST`): every new hash uses it. */
  readonly cost: number;
  hash(password: string): Promise<string>;
  /**
   * Compares against `hash`, or, when the user does not exist (`hash` null),
   * against a dummy hash, so "no such user" costs the same time as "wrong
   * password" and the response time does not reveal which usernames exist.
   * `username` picks the dummy's cost (see DummyCosts).
   */
  verify(password: string, hash: string | null, username?: string): Promise<boolean>;
  /** True when `hash` was made with another cost than the configured one: rehash after a successful sign-in. */
  needsRehash(hash: string): boolean;
  /** A stored hash changed cost (`from` null: a new account), so unknown users keep costing what known ones do. */
  noteStored(from: number | null, to: number): void;
  /** Hashes and checks waiting for a thread right now (the bcrypt queue-depth metric). */
  queueSize(): number;
  close(): Promise<void>;
}

/** Thrown when more hashing work is queued than the pool accepts; answered 429 (RATE_LIMITED, retry shortly). */
export class HasherBusyError extends Error {
  override readonly name = 'HasherBusyError';
}

export interface PasswordHasherOptions {
  cost: number;
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Hashes allowed to wait for a thread; past it sign-ins are refused, not queued forever. */
  maxQueue?: number;
  /** How many stored hashes have each cost (default: all at `cost`). */
  storedCosts?: Map<number, number>;
  /**
   * A fixed number in [0, 1) for a username, unpredictable to clients (a
   * keyed hash): which dummy cost an unknown username gets. Fixed per
   * username, so repeating a probe never shows the variation a real
   * account would not have.
   */
  position?: (username: string) => number;
}

/**
 * bcrypt on a bounded pool of worker threads, so a burst of sign-ins never
 * stalls the event loop that serves every other request.
 */
export async function createPasswordHasher(options: PasswordHasherOptions): Promise<PasswordHasher> {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const maxQueue = options.maxQueue ?? 256;
  const pool = new Piscina({
    filename: new URL('./bcrypt-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue,
    idleTimeout: 60_000,
  });
  const run = <T>(task: object): Promise<T> => {
    // Full is full: refuse before queueing, by the queue's size.
    if (pool.queueSize >= maxQueue) return Promise.reject(new HasherBusyError('Too many sign-ins at once'));
    return pool.run(task) as Promise<T>;
  };
  const hashAt = (password: string, cost: number) => run<string>({ op: 'hash', password, cost });
  const dummies = new DummyCosts(options.storedCosts?.size ? options.storedCosts : new Map([[options.cost, 1]]), hashAt);
  await dummies.ready();
  return {
    cost: options.cost,
    hash: (password) => hashAt(password, options.cost),
    async verify(password, hash, username = '') {
      const against = hash ?? dummies.pick(options.position?.(username) ?? Math.random());
      const ok = await run<boolean>({ op: 'verify', password, hash: against });
      return hash !== null && ok;
    },
    needsRehash: (hash) => bcryptCost(hash) !== options.cost,
    noteStored: (from, to) => dummies.move(from, to),
    queueSize: () => pool.queueSize,
    close: () => pool.destroy(),
  };
}

/**
 * Dummy hashes at the costs stored hashes have, in the same proportions.
 * While a raised BCRYPT_COST migrates accounts (each is rehashed at its next
 * sign-in), most known accounts still check at the old cost: unknown
 * usernames must too, or the time of a failed sign-in tells them apart.
 */
class DummyCosts {
  private readonly hashes = new Map<number, string>();
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly counts: Map<number, number>,
    private readonly hashAt: (password: string, cost: number) => Promise<string>,
  ) {
    for (const cost of counts.keys()) this.ensure(cost);
  }

  async ready(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  /** The dummy hash at position `at` in [0, 1) of the cost distribution. */
  pick(at: number): string {
    const costs = [...this.counts.entries()].filter(([cost, n]) => n > 0 && this.hashes.has(cost)).sort(([a], [b]) => a - b);
    const total = costs.reduce((sum, [, n]) => sum + n, 0);
    let cumulative = 0;
    for (const [cost, n] of costs) {
      cumulative += n / total;
      if (at < cumulative) return this.hashes.get(cost)!;
    }
    return this.hashes.get(costs.at(-1)?.[0] ?? [...this.hashes.keys()][0]!)!;
  }

  move(from: number | null, to: number): void {
    if (from !== null) this.counts.set(from, Math.max(0, (this.counts.get(from) ?? 0) - 1));
    this.counts.set(to, (this.counts.get(to) ?? 0) + 1);
    this.ensure(to);
  }

  private ensure(cost: number): void {
    if (this.hashes.has(cost) || this.pending.has(cost)) return;
    // A real hash at that cost, of a random value nobody knows.
    const made = this.hashAt(crypto.randomUUID(), cost).then(
      (hash) => {
        this.hashes.set(cost, hash);
      },
      () => {
        this.pending.delete(cost); // retried on the next move to that cost
      },
    );
    this.pending.set(cost, made);
  }
}
