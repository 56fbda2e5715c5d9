import { listen, listenMetrics, runMain, type MetricsListener } from '@sso/bff-common';
import { createApp, type App2Options } from './app';
import { loadConfig } from './config';

/** Starts BFF 2. */
export async function startApp2(env: Record<string, string | undefined> = process.env, handleSignals = true, options: App2Options = {}) {
  const config = loadConfig(env);
  const { app, logger, start, close, revocations, metrics, users } = await createApp(config, options);
  for (const warning of config.warnings) logger.warn(warning);
  let metricsListener: MetricsListener | null = null;
  const onClose = async () => {
    await metricsListener?.close();
    await close();
  };
  const running = await listen({
    app,
    host: config.host,
    port: config.port,
    logger,
    onClose,
    handleSignals,
    names: { service: 'App 2 (relying BFF)', port: 'APP2_PORT' },
  }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  if (metrics && config.metricsPort !== null) {
    try {
      metricsListener = await listenMetrics(metrics.registry, { host: config.metricsHost, port: config.metricsPort, names: { service: 'App 2 (relying BFF)', port: 'APP2_METRICS_PORT', host: 'METRICS_HOST' } });
    } catch (err) {
      await running.stop();
      throw err;
    }
    logger.info({ metricsPort: metricsListener.port }, `app 2 metrics on http://${config.metricsHost}:${metricsListener.port}/metrics`);
  }
  start();
  logger.info({ port: running.port }, `app 2 (relying) listening on ${config.host}:${running.port}; open ${config.origin}`);
  // The revocation feed is exposed so tests can sync it instead of waiting a poll.
  // The local users too, so tests can see what a deletion left (ADR 034).
  return { ...running, revocations, users, metricsPort: metricsListener?.port ?? null };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(() => startApp2());
