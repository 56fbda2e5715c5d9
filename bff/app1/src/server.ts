import { listen, runMain } from '@sso/bff-common';
import { createApp, type App1Options } from './app';
import { loadConfig } from './config';

/** Starts BFF 1. */
export async function startApp1(env: Record<string, string | undefined> = process.env, handleSignals = true, options: App1Options = {}) {
  const config = loadConfig(env);
  const { app, context, close } = await createApp(config, options);
  for (const warning of config.warnings) context.logger.warn(warning);
  const running = await listen({ app, host: config.host, port: config.port, logger: context.logger, onClose: close, handleSignals });
  context.logger.info({ port: running.port }, `app 1 (identity) listening on ${config.host}:${running.port}; open ${config.origin}`);
  return { ...running, context };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(() => startApp1());
