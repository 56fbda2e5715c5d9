import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ConfigError } from './env';
import { StoreError } from './json-store';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, drains in-flight requests (10 s at most), then runs onClose. */
  stop(signal?: string): Promise<void>;
}

/** Listens, and on SIGTERM/SIGINT drains requests and flushes storage before exit. */
export async function listen(options: {
  app: Express;
  host: string;
  port: number;
  logger: Logger;
  onClose: () => Promise<void>;
  handleSignals?: boolean;
}): Promise<RunningServer> {
  const server = options.app.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | null = null;
  const stop = (signal = 'stop') =>
    (stopping ??= (async () => {
      options.logger.info({ signal }, 'draining');
      const closed = once(server, 'close');
      server.close();
      // Keep-alive connections close as soon as their request is answered.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
      await closed;
      clearInterval(idle);
      clearTimeout(force);
      await options.onClose();
      options.logger.info('stopped');
    })());

  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        stop(signal).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
    }
  }
  return { server, port, stop };
}

/** Runs a server entry point; expected start-up failures print their message alone. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    const known = err instanceof ConfigError || err instanceof StoreError || (err as { name?: string })?.name === 'SessionError';
    console.error(known ? `\n${(err as Error).message}\n` : err);
    process.exit(1);
  });
}
