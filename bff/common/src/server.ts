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
  /** Names for start-up errors: the service, and the variables that set the port and the host. */
  names?: { service: string; port: string; host?: string };
}): Promise<RunningServer> {
  const server = options.app.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw listenError(err, options);
  }
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

/**
 * Why a server could not listen, as a ConfigError that names the variable
 * and the fix (the errno `code` is kept, so callers can still tell them apart).
 */
export function listenError(err: unknown, options: { host: string; port: number; names?: { service: string; port: string; host?: string } }): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const service = options.names?.service ?? 'The service';
  const portVar = options.names?.port ?? 'the port';
  const hostVar = options.names?.host ?? 'HOST';
  let message: string | null = null;
  switch (code) {
    case 'EADDRINUSE':
      message = `${service} cannot start: port ${options.port} on ${options.host} is already in use (${portVar}). Stop the other process (lsof -i :${options.port} shows it) or choose another port, e.g. ${portVar}=${options.port + 1000}.`;
      break;
    case 'EACCES':
      message = `${service} cannot start: port ${options.port} needs privileges on this system (${portVar}). Choose a port above 1023, or put a reverse proxy in front.`;
      break;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      message = `${service} cannot start: ${hostVar}=${JSON.stringify(options.host)} is not an address of this machine (${code}). Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses.`;
      break;
  }
  if (message === null) return err as Error;
  return Object.assign(new ConfigError(message), { code });
}
