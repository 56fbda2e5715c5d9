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
    const log = req.log ?? options.logger;
    if (httpError.status >= 500) {
      log.error({ err, reqId: req.id }, 'request failed');
    } else if (!(err instanceof HttpError)) {
      // A library refused bad input (body-parser, send, the router): the
      // client's fault, so one line at info, never the error or its stack.
      log.info({ reqId: req.id, status: httpError.status, code: httpError.code, reason: reasonOf(err) }, 'request rejected');
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
  if (err instanceof StoreError) {
    return err.code === 'STORE_REJECTED'
      ? new HttpError('VALIDATION_FAILED', err.message)
      : new HttpError('STORE_UNAVAILABLE', 'Your request was not saved. Try again in a moment.');
  }
  // body-parser errors carry a `type`; they are the client's fault.
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError('MALFORMED_JSON');
    case 'entity.too.large':
      return new HttpError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError('UNSUPPORTED_MEDIA_TYPE', 'Send UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpError('VALIDATION_FAILED', 'The request body could not be read.');
  }
  return clientError(err) ?? new HttpError('INTERNAL');
}

/**
 * Other errors that libraries mark as the client's with a 4xx `status` (or
 * `statusCode`): a compressed body that does not inflate (body-parser wraps
 * the zlib error with 400 and no `type`), a path parameter that does not
 * percent-decode (the router's URIError, 400), a failed precondition or an
 * unsatisfiable range (send: 412, 416). Never a 500: it is bad input.
 */
function clientError(err: unknown): HttpError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || !Number.isInteger(status) || status < 400 || status > 499) return undefined;
  switch (status) {
    case 404:
      return new HttpError('NOT_FOUND');
    case 413:
      return new HttpError('PAYLOAD_TOO_LARGE');
    case 415:
      return new HttpError('UNSUPPORTED_MEDIA_TYPE');
    default:
      return new HttpError('BAD_REQUEST', undefined, {}, status);
  }
}

/** What refused the request, for the log: a library's error type or code, never its message. */
function reasonOf(err: unknown): string {
  const e = err as { type?: unknown; code?: unknown; name?: unknown } | null;
  for (const v of [e?.type, e?.code, e?.name]) if (typeof v === 'string' && v) return v.slice(0, 64);
  return 'unknown';
}

/** Answers unknown /api paths with a problem document instead of the SPA. */
export function apiNotFound(): RequestHandler {
  return () => {
    throw new HttpError('NOT_FOUND');
  };
}
