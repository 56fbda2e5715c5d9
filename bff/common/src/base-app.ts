import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { httpLogger } from './logger';
import { requestContext } from './request-context';
import { securityHeaders } from './security-headers';

/**
 * The Express app every BFF starts from: request ids and access logs, the
 * request context for back-channel calls, security headers, no ETags (API
 * answers are no-store), and `trust proxy` only as configured.
 */
export function createBaseApp(options: { logger: Logger; trustProxy: boolean | number | string; selfOrigin: string; connectTo?: readonly string[] }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy);
  app.use(httpLogger(options.logger));
  app.use(requestContext());
  app.use(securityHeaders({ selfOrigin: options.selfOrigin, connectTo: options.connectTo }));
  return app;
}
