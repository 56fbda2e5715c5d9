import { randomUUID } from 'node:crypto';
import { constants, fchmodSync, mkdirSync, openSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { ConfigError } from './env';

/** Paths never written to a log line: credentials and anything that carries a token. */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'password',
  'token',
  '*.password',
  '*.token',
];

/** Options for createLogger: `dir` writes to `<dir>/<name>.log` (appending, mode 0600) instead of standard output. */
export function createLogger(options: { name: string; level: LevelWithSilent; destination?: DestinationStream; dir?: string | null }): Logger {
  const destination = options.destination ?? (options.dir ? pino.destination({ fd: openLogFile(options.dir, options.name), append: true }) : undefined);
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: options.name },
    },
    destination,
  );
}

/**
 * Opens `<dir>/<name>.log` for appending, readable by this user only: log
 * lines carry user names, addresses and request ids. The directory is created
 * with mode 0700, a symlink in place of the file is refused (O_NOFOLLOW), and
 * a file left by an older version with looser permissions is tightened.
 */
function openLogFile(dir: string, name: string): number {
  const file = path.join(dir, `${name}.log`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'it is a symlink, which is never followed' : (code ?? String(err));
    throw new ConfigError(`Cannot open the log file ${file} (${why}). Remove it or set LOG_DIR to a directory only this service's user can write, then start again.`);
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/api/revocations']);

/** The caller's `x-request-id` when it is sane, else a fresh one; echoed on the response. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** Structured access log with request ids; cookies and auth headers are never logged. */
export function httpLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestIdOf,
    // Only what is needed to follow a request: no headers at all.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?', 1)[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // Health checks and relying apps' once-a-second back-channel polls would
    // drown everything else; they still carry request ids when they fail.
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?', 1)[0]!) },
  });
}
