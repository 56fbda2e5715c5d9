import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

/** Hashes and checks passwords. A wrong password is a value (`false`), not an exception. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Compares against `hash`, or against a dummy hash when the user does not
   * exist, so "no such user" costs the same time as "wrong password" and the
   * response time does not reveal which usernames exist.
   */
  verify(password: string, hash: string | null): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown when more hashing work is queued than the pool accepts; answered 503 and retried later. */
export class HasherBusyError extends Error {
  override readonly name = 'HasherBusyError';
}

export interface PasswordHasherOptions {
  cost: number;
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Hashes allowed to wait for a thread; past it sign-ins are refused, not queued forever. */
  maxQueue?: number;
}

/**
 * bcrypt on a bounded pool of worker threads, so a burst of sign-ins never
 * stalls the event loop that serves every other request.
 */
export async function createPasswordHasher(options: PasswordHasherOptions): Promise<PasswordHasher> {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const pool = new Piscina({
    filename: new URL('./bcrypt-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: options.maxQueue ?? 256,
    idleTimeout: 60_000,
  });
  const run = async <T>(task: object): Promise<T> => {
    try {
      return (await pool.run(task)) as T;
    } catch (err) {
      if (/queue is at limit/i.test(String((err as Error).message))) throw new HasherBusyError('Too many sign-ins at once');
      throw err;
    }
  };
  // A real hash at the same cost, of a random value nobody knows.
  const dummyHash = await run<string>({ op: 'hash', password: crypto.randomUUID(), cost: options.cost });
  return {
    hash: (password) => run<string>({ op: 'hash', password, cost: options.cost }),
    async verify(password, hash) {
      const ok = await run<boolean>({ op: 'verify', password, hash: hash ?? dummyHash });
      return hash !== null && ok;
    },
    close: () => pool.destroy(),
  };
}
