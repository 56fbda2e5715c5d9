import { listen, listenMetrics, runMain, type MetricsListener } from '@sso/bff-common';
import { createApp, type App1Options } from './app';
import { loadConfig } from './config';
import type { App1Context } from './context';
import { listenAdminSocket } from './admin/socket';

/** Starts BFF 1. */
export async function startApp1(env: Record<string, string | undefined> = process.env, handleSignals = true, options: App1Options = {}) {
  const config = loadConfig(env);
  const { app, context, metrics, close } = await createApp(config, options);
  for (const warning of config.warnings) context.logger.warn(warning);
  const stopWatching = watchKeyFile(context);
  let metricsListener: MetricsListener | null = null;
  // lowdb: `npm run admin` acts through this process, never beside it (ADR 034).
  // PostgreSQL: the command talks to the database itself.
  const adminSocket = config.store === 'lowdb' ? await listenAdminSocket(context) : null;
  const onClose = async () => {
    stopWatching();
    await metricsListener?.close();
    await adminSocket?.close();
    await close();
  };
  const running = await listen({
    app,
    host: config.host,
    port: config.port,
    logger: context.logger,
    onClose,
    handleSignals,
    names: { service: 'App 1 (identity BFF)', port: 'APP1_PORT' },
  }).catch(async (err: unknown) => {
    await onClose(); // the store and the bcrypt threads, opened for nothing
    throw err;
  });
  context.logger.info({ port: running.port }, `app 1 (identity) listening on ${config.host}:${running.port}; open ${config.origin}`);
  if (metrics && config.metricsPort !== null) {
    try {
      metricsListener = await listenMetrics(metrics.registry, { host: config.metricsHost, port: config.metricsPort, names: { service: 'App 1 (identity BFF)', port: 'APP1_METRICS_PORT', host: 'METRICS_HOST' } });
    } catch (err) {
      await running.stop();
      throw err;
    }
    context.logger.info({ metricsPort: metricsListener.port }, `app 1 metrics on http://${config.metricsHost}:${metricsListener.port}/metrics`);
  }
  return { ...running, context, metricsPort: metricsListener?.port ?? null };
}

/** Picks up `npm run keys:rotate` and `keys:withdraw` within 5 s, without a restart. */
function watchKeyFile({ keys, logger }: App1Context): () => void {
  if (!keys) return () => undefined;
  const timer = setInterval(() => {
    keys.reload().then(
      (changed) => changed && logger.info({ kids: keys.kids() }, 'signing keys reloaded'),
      (err: unknown) => logger.error({ err: String(err) }, 'signing key file unreadable; keeping the loaded keys'),
    );
  }, 5_000).unref();
  return () => clearInterval(timer);
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(() => startApp1());
