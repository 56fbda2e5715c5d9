import express, { type Express } from 'express';
import cors from 'cors';
import type { Logger } from 'pino';
import {
  apiNotFound,
  createBaseApp,
  createMetrics,
  type BffMetrics,
  createLogger,
  healthRoutes,
  errorHandler,
  noStore,
  prepareDataDir,
  redactDatabaseUrl,
  requireTrustedOrigin,
  serveSpa,
  HttpError,
  sessionHttpError,
} from '@sso/bff-common';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  createSessionReader,
  createTokenSigner,
  createTokenVerifier,
  isSessionError,
  loadOrCreateKeySet,
} from '@sso/session';
import type { App1Config } from './config';
import type { App1Context } from './context';
import { accountRoutes } from './routes/account';
import { accountDeletionRoutes } from './routes/account-deletion';
import { authRoutes } from './routes/auth';
import { authzRoutes } from './routes/authz';
import { deviceRoutes } from './routes/devices';
import { loginPageRoutes } from './routes/login-page';
import { sessionRoutes } from './routes/session';
import { revocationRoutes } from './routes/revocations';
import { wellKnownRoutes } from './routes/well-known';
import { createApp1Cookies } from './sessions/cookies';
import { createSessionService } from './sessions/session-service';
import { openLowdbStore } from './storage/lowdb-store';
import { openPostgresStore } from './storage/postgres-store';
import { createLoginThrottle, type ThrottleLimits } from './users/login-throttle';
import { createDeviceCookies, loadDeviceSecret } from './users/device-cookie';
import { createPasswordHasher, HasherBusyError } from './users/passwords';
import { secondFactorRoutes } from './routes/second-factor';
import { stepUpRoutes } from './routes/step-up';
import { createPendingSignIns } from './mfa/pending-sign-in';
import { createSecondFactorThrottle, type SecondFactorLimits } from './mfa/second-factor-throttle';
import { createSecretBox } from './mfa/secret-box';
import { createMailer, fileTransport, outboxDir, smtpTransport, type MailTransport, type RetryPolicy } from './mail/mailer';
import { createBackgroundTasks } from './recovery/background';
import { createOneTimeTokens } from './recovery/one-time-tokens';
import { createRecoveryThrottle } from './recovery/recovery-throttle';
import { passwordResetRoutes } from './routes/password-reset';
import { createApp1Metrics } from './metrics';
import { emailRoutes } from './routes/email';
import { createEmailThrottle } from './recovery/email-throttle';

/** The "check your inbox" step (ADR 030): long enough to open the mail and come back to resend. */
const PENDING_VERIFICATION_SECONDS = 30 * 60;
export const PENDING_VERIFICATION_COOKIE = '__Host-sso-verify';
import { passkeyRoutes } from './routes/passkeys';

export interface App1 {
  app: Express;
  context: App1Context;
  /** The metrics registry (served by server.ts on APP1_METRICS_PORT); null when metrics are off. */
  metrics: BffMetrics | null;
  /** Flushes pending writes; call after the server stopped accepting requests. */
  close(): Promise<void>;
}

export interface App1Options {
  logger?: Logger;
  /** Overrides the configured limits (tests). */
  throttleLimits?: Partial<ThrottleLimits>;
  /** Overrides the configured second-factor limits (tests). */
  secondFactorLimits?: Partial<SecondFactorLimits>;
  now?: () => number;
  /** Replaces the configured mail transport (tests: a slow or failing one). */
  mailTransport?: MailTransport;
  mailRetry?: RetryPolicy;
}

/** Builds BFF 1 from a validated config. Never listens: server.ts does. */
export async function createApp(config: App1Config, options: App1Options = {}): Promise<App1> {
  const logger = options.logger ?? createLogger({ name: 'app1', level: config.logLevel, dir: config.logDir });
  const now = options.now ?? Date.now;
  // DATA_DIR holds the lowdb store and the signing keys: refuse one others may write.
  // (Always: the device-cookie secret lives there too.)
  await prepareDataDir(config.dataDir, 'App 1 (identity BFF)');
  // Off unless APP1_METRICS_PORT is set: then nothing is timed or counted (ADR 035).
  const baseMetrics = config.metricsPort !== null ? createMetrics({ app: 'app1', store: config.store }) : null;
  const onWrite = baseMetrics?.observeStoreWrite;
  const pgStore = config.store === 'postgres' ? await openPostgresStore({ databaseUrl: config.databaseUrl!, poolMax: config.databasePoolMax, logger, onWrite }) : null;
  const store = pgStore ?? (await openLowdbStore(config.dataDir, { now, onWrite }));
  const keys =
    config.tokenAlg === 'EdDSA'
      ? await loadOrCreateKeySet({
          dir: config.dataDir,
          retainSeconds: config.tokenTtlSeconds + DEFAULT_CLOCK_TOLERANCE_SECONDS,
          activationDelaySeconds: config.keyActivationDelaySeconds,
          now,
        })
      : null;
  const method = keys ? ({ alg: 'EdDSA', currentKey: keys.current } as const) : ({ alg: 'HS256', secret: config.hs256Secret! } as const);
  const verifyMethod = keys ? ({ alg: 'EdDSA', getKey: keys.getKey } as const) : ({ alg: 'HS256', secret: config.hs256Secret! } as const);
  const cookies = createApp1Cookies(config);
  const devices = createDeviceCookies(await loadDeviceSecret(config.dataDir));
  const hasher = await createPasswordHasher({
    cost: config.bcryptCost,
    storedCosts: await store.users.passwordCosts(),
    // Which dummy cost an unknown username gets: fixed per name, unpredictable to clients.
    position: (username) => devices.keyedHash('dummy-cost', username).readUInt32BE(0) / 2 ** 32,
  });
  const mailTransport =
    options.mailTransport ??
    (config.mailTransport === 'smtp'
      ? smtpTransport(config.smtpUrl!, config.mailFrom, `SMTP ${redactDatabaseUrl(config.smtpUrl!)}`)
      : fileTransport(outboxDir(config.dataDir), now));
  const mailer = createMailer(mailTransport, logger, options.mailRetry);
  const context: App1Context = {
    mailer,
    oneTimeTokens: createOneTimeTokens(store.oneTimeTokens, { ttlSeconds: config.resetTokenTtlSeconds, emailTtlSeconds: config.emailTokenTtlSeconds, now }),
    emailThrottle: createEmailThrottle({ requestsPerAddress: config.emailRequestsPerAddress, mailsPerAccount: config.emailMailsPerAccount }, pgStore?.pool),
    recoveryThrottle: createRecoveryThrottle({ requestsPerAddress: config.resetRequestsPerAddress, mailsPerAccount: config.resetMailsPerAccount }, pgStore?.pool),
    background: createBackgroundTasks(logger),
    config,
    logger,
    users: store.users,
    sessionStore: store.sessions,
    sessions: createSessionService(store.sessions, {
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      absoluteTimeoutSeconds: config.absoluteTimeoutSeconds,
      tokenTtlSeconds: config.tokenTtlSeconds,
      clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
      refreshGraceSeconds: config.refreshGraceSeconds,
      maxSessionsPerUser: config.sessionsPerUser,
    }),
    hasher,
    // With PostgreSQL, failure counts are shared by every instance.
    throttle: createLoginThrottle({ ...config.throttleLimits, ...options.throttleLimits }, pgStore?.pool),
    devices,
    signer: createTokenSigner({ issuer: config.origin, audience: config.audience, ttlSeconds: config.tokenTtlSeconds, method, now }),
    keys,
    reader: createSessionReader({
      cookie: cookies.token,
      verifier: createTokenVerifier({
        issuer: config.origin,
        audience: config.audience,
        method: verifyMethod,
        maxTokenAgeSeconds: config.tokenTtlSeconds,
        isKeyWithdrawn: keys ? (kid) => keys.isWithdrawn(kid) : undefined,
        now,
      }),
    }),
    cookies,
    now,
    secondFactors: store.secondFactors,
    secretBox: createSecretBox(devices.keyedHash('totp-secret-box', 'v1')),
    pendingSignIns: createPendingSignIns({ key: devices.keyedHash('pending-sign-in', 'v1'), ttlSeconds: config.secondFactorPendingSeconds, now }),
    pendingVerifications: createPendingSignIns({ key: devices.keyedHash('pending-verification', 'v1'), ttlSeconds: PENDING_VERIFICATION_SECONDS, now, name: PENDING_VERIFICATION_COOKIE }),
    passkeys: store.passkeys,
    secondFactorThrottle: createSecondFactorThrottle({ ...config.secondFactorLimits, ...options.secondFactorLimits }, pgStore?.pool),
    metrics: baseMetrics ? createApp1Metrics(baseMetrics, hasher) : null,
  };

  const app = createBaseApp({ logger, trustProxy: config.trustProxy, selfOrigin: config.origin });
  if (baseMetrics) app.use(baseMetrics.http);
  app.use(healthRoutes({ store: store.probe }));
  app.use(wellKnownRoutes(context));

  const api = express.Router();
  if (baseMetrics) api.use(baseMetrics.routeBase);
  api.use(noStore());
  // Forward auth first: asked on every proxied request, by a proxy (no CORS, no body).
  api.use(authzRoutes(context));
  const allowed = new Set(config.appOrigins);
  api.use(
    cors({
      // Credentialed CORS for our own app origins only; anything else gets no
      // CORS headers at all (never a reflected Origin).
      origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
      credentials: true,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Content-Type', 'X-Request-Id'],
      maxAge: 600,
    }),
  );
  api.use(requireTrustedOrigin(config.appOrigins));
  api.use(express.json({ limit: '16kb', strict: false, type: 'application/json' }));
  api.use(authRoutes(context));
  api.use(secondFactorRoutes(context));
  api.use(stepUpRoutes(context));
  api.use(passkeyRoutes(context));
  api.use(sessionRoutes(context));
  api.use(accountRoutes(context));
  api.use(deviceRoutes(context));
  api.use(accountDeletionRoutes(context));
  api.use(passwordResetRoutes(context));
  api.use(emailRoutes(context));
  api.use(revocationRoutes(context));
  api.use(apiNotFound());
  app.use('/api', api);

  app.use(loginPageRoutes(context));
  // The reset and verify pages may hold a token in memory: nothing they load learns even their address (ADR 020, 030).
  app.use(['/reset-password', '/verify-email'], (_req, res, next) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use(
    serveSpa({
      dir: config.spaDir,
      clientConfig: {
        appName: 'Identity',
        identityOrigin: config.origin,
        apps: [...config.apps],
        idleTimeoutSeconds: config.idleTimeoutSeconds,
        absoluteTimeoutSeconds: config.absoluteTimeoutSeconds,
        requireVerifiedEmail: config.requireVerifiedEmail,
      },
    }),
  );
  app.use(
    errorHandler({
      logger,
      mapError: (err) => {
        if (isSessionError(err)) return sessionHttpError(err.code, `${config.origin}/login`, err.stepUpUrl);
        if (err instanceof HasherBusyError) return new HttpError('RATE_LIMITED', 'Sign-in is busy right now. Try again in a moment.', { retryAfter: 1 });
        return undefined;
      },
    }),
  );

  return {
    app,
    context,
    metrics: baseMetrics,
    close: async () => {
      await context.background.idle();
      await mailer.close();
      await store.flush();
      await hasher.close();
    },
  };
}
