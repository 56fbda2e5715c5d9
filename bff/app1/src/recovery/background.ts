import type { Logger } from 'pino';

/**
 * Work that runs after the HTTP answer was sent (the account-dependent part
 * of "forgot password"), so that its cost never shows in the answer's time.
 * A failure is logged; `idle` lets tests and shutdown wait for it.
 */
export function createBackgroundTasks(logger: Logger) {
  const pending = new Set<Promise<void>>();
  return {
    run(name: string, fn: () => Promise<void>): void {
      // setImmediate: not even the synchronous start runs before the answer is written.
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(fn)
        .catch((err: unknown) => logger.error({ event: `${name}.failed`, err: String(err) }, 'background task failed'))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

export type BackgroundTasks = ReturnType<typeof createBackgroundTasks>;
