import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { apiNotFound, createBaseApp, createMetrics, type BffMetrics, backChannelHeaders, createLogger, healthRoutes, errorHandler, noStore, prepareDataDir, serveSpa, sessionHttpError } from '@sso/bff-common';
import {
  createRelyingParty,
  isSessionError,
  type RemoteKeySet,
  type RevocationFeed,
} from '@sso/session';
import type { App2Config } from './config';
import { addMeRoutes } from './routes/me';
import { addSecurityRoutes, guardSecurityPage } from './routes/security';
import { openLowdbStore } from './storage/lowdb-store';
import { openPostgresStore } from './storage/postgres-store';
import type { LocalUserStore } from './users/local-user-store';

export interface App2 {
  app: Express;
  logger: Logger;
  users: LocalUserStore;
  keys: RemoteKeySet | null;
  revocations: RevocationFeed;
  /** The metrics registry (served by server.ts on APP2_METRICS_PORT); null when metrics are off. */
  metrics: BffMetrics | null;
  /** Starts background work (revocation polling). */
  start(): void;
  close(): Promise<void>;
}

export interface App2Options {
  logger?: Logger;
  now?: () => number;
  fetch?: typeof fetch;
}

/** Builds BFF 2 from a validated config. Never listens: server.ts does. */
export async function createApp(config: App2Config, options: App2Options = {}): Promise<App2> {
  const logger = options.logger ?? createLogger({ name: 'app2', level: config.logLevel, dir: config.logDir });
  const now = options.now ?? Date.now;
  // DATA_DIR holds the lowdb store: refuse one others may write.
  if (config.store === 'lowdb') await prepareDataDir(config.dataDir, 'App 2 (relying BFF)');
  // Off unless APP2_METRICS_PORT is set: then nothing is timed or counted (ADR 035).
  const metrics = config.metricsPort !== null ? createMetrics({ app: 'app2', store: config.store }) : null;
  const onWrite = metrics?.observeStoreWrite;
  const store =
    config.store === 'postgres'
      ? await openPostgresStore({ databaseUrl: config.databaseUrl!, poolMax: config.databasePoolMax, logger, onWrite })
      : await openLowdbStore(config.dataDir, { onWrite });
  const jwksFetches = metrics?.counter('sso_jwks_fetches_total', "Fetches of app 1's JWKS (first sight of a kid, withdrawal, age), by outcome.", ['outcome']);
  const sso = createRelyingParty({
    issuer: config.issuer,
    audience: config.audience,
    cookieDomain: config.cookieDomain,
    cookieName: config.cookieName,
    jwksUrl: config.jwksUrl,
    loginUrl: config.loginUrl,
    publicOrigin: config.origin,
    revocationsUrl: config.revocationsUrl,
    revocationPollMs: config.revocationPollMs,
    ...(config.hs256Secret ? { hs256Secret: config.hs256Secret } : {}),
    maxTokenAgeSeconds: config.tokenTtlSeconds,
    headers: () => backChannelHeaders('app2'),
    onError: (err, source) =>
      logger.warn({ err: String(err), source }, source === 'jwks' ? 'JWKS fetch failed; using the cached key set if any' : 'revocation feed poll failed'),
    onJwksFetch: jwksFetches ? (ok) => jwksFetches.inc({ outcome: ok ? 'ok' : 'error' }) : undefined,
    fetch: options.fetch,
    now,
    // The account was deleted at app 1 (ADR 034): so is its local user here. A failure retries at the next poll.
    onAccountDeleted: async ({ iss, sub }) => {
      if (await store.users.deleteBySubject(iss, sub)) logger.info({ event: 'user.deleted', sub }, 'audit');
    },
  });
  const { keys, revocations } = sso;
  if (metrics) {
    const createdAt = now();
    // Revoked sessions are refused here at most this long after app 1 revoked them (plus one poll).
    metrics.gauge(
      'sso_revocation_feed_lag_seconds',
      "Age of the last successful poll of app 1's revocation feed (since start while none has succeeded): how stale sign-outs can be here.",
      () => (now() - (revocations.lastSuccessAt() ?? createdAt)) / 1000,
    );
  }

  const app = createBaseApp({ logger, trustProxy: config.trustProxy, selfOrigin: config.origin, connectTo: [config.app1Origin] });
  if (metrics) app.use(metrics.http);
  const api = express.Router();
  if (metrics) api.use(metrics.routeBase);
  api.use(noStore());
  addMeRoutes(api, { reader: sso, users: store.users, now });
  addSecurityRoutes(api, { reader: sso, maxAuthAge: config.securityMaxAuthAgeSeconds });
  // The catch-all follows the API router rather than ending it, so that the
  // router's own OPTIONS answer (Allow: GET, HEAD) still comes first for
  // /api/me. The API comes before the health routes: it is the hot path, and
  // the paths do not overlap.
  app.use('/api', api, apiNotFound());
  app.use(
    healthRoutes({
      store: store.probe,
      // Ready once app 1's keys are known (cached or fetched now).
      keys: async () => {
        if (!keys || keys.isReady()) return { ok: true };
        try {
          await keys.refresh();
          return { ok: true };
        } catch (err) {
          return { ok: false, error: `JWKS not fetched yet: ${String(err)}` };
        }
      },
    }),
  );
  guardSecurityPage(app, { reader: sso, maxAuthAge: config.securityMaxAuthAgeSeconds });
  app.use(
    serveSpa({
      dir: config.spaDir,
      clientConfig: { appName: 'App 2', identityOrigin: config.app1Origin, apps: [...config.apps] },
    }),
  );
  app.use(
    errorHandler({
      logger,
      mapError: (err) => (isSessionError(err) ? sessionHttpError(err.code, config.loginUrl, err.stepUpUrl) : undefined),
    }),
  );

  return {
    app,
    logger,
    users: store.users,
    keys,
    revocations,
    metrics,
    start: () => sso.start(),
    async close() {
      sso.stop();
      await store.flush();
    },
  };
}
