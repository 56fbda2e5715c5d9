import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { HttpError, sendProblem } from './http-error';
import { StoreError } from './json-store';

/**
 * Registered last. Everything a route throws ends here and leaves as
 * problem+json; unknown errors are logged with the request id and answered as
 * a bare 500 INTERNAL, never with details or a stack.
 */
export function errorHandler(options: { logger: Logger; mapError?: (err: unknown) => HttpError | undefined }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpError = toHttpError(err, options.mapError);
    if (httpError.status >= 500) {
      (req.log ?? options.logger).error({ err, reqId: req.id }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, httpError);
  };
}

function toHttpError(err: unknown, mapError?: (err: unknown) => HttpError | undefined): HttpError {
  if (err instanceof HttpError) return err;
  const mapped = mapError?.(err);
  if (mapped) return mapped;
  if (err instanceof StoreError) return new HttpError(503, 'STORE_UNAVAILABLE', 'Your request was not saved. Try again in a moment.');
  // body-parser errors carry a `type`; they are the client's fault.
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'MALFORMED_JSON');
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpError(400, 'VALIDATION_FAILED', 'The request body could not be read.');
    default:
      return new HttpError(500, 'INTERNAL');
  }
}

/** Answers unknown /api paths with a problem document instead of the SPA. */
export function apiNotFound(): RequestHandler {
  return () => {
    throw new HttpError(404, 'NOT_FOUND');
  };
}
