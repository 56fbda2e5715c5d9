import { randomUUID } from 'node:crypto';
import { constants, fchmodSync, mkdirSync, openSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
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

/**
 * Options for createLogger: `dir` writes to `<dir>/<name>.log` (appending,
 * mode 0600) instead of standard output. `pretty` formats the lines for a
 * person (pino-pretty) when they go to standard output or `destination` and
 * pino-pretty is installed (a dev dependency); files under `dir` always get
 * JSON, and so does everything when pino-pretty is absent.
 */
export function createLogger(options: { name: string; level: LevelWithSilent; destination?: DestinationStream; dir?: string | null; pretty?: boolean }): Logger {
  let destination = options.destination ?? (options.dir ? pino.destination({ fd: openLogFile(options.dir, options.name), append: true }) : undefined);
  if (options.pretty && !options.dir) destination = prettyDestination(destination) ?? destination;
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
 * Whether a start-up script should ask createLogger for readable lines: a
 * person at a terminal. Not when standard output is piped or ignored (the
 * e2e suite, `| jq`), not under CI, not with LOG_DIR (files stay JSON).
 */
export function wantsPrettyLogs(stdout: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return stdout.isTTY === true && !ci && !env.LOG_DIR;
}

type Prettify = (line: string) => string;

/** pino-pretty's synchronous formatter, or null when it is not installed (production installs omit dev dependencies). */
function loadPrettify(colorize: boolean): Prettify | null {
  let prettyFactory: (options: Record<string, unknown>) => Prettify;
  try {
    ({ prettyFactory } = createRequire(import.meta.url)('pino-pretty') as { prettyFactory: typeof prettyFactory });
  } catch {
    return null;
  }
  return prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    // `service` repeats `name`; the access log's objects become one line (below).
    ignore: 'pid,hostname,service,req,res,responseTime',
    messageFormat: (log: Record<string, unknown>, messageKey: string) => {
      const msg = String(log[messageKey] ?? '');
      const req = log.req as { id?: string; method?: string; path?: string } | undefined;
      const res = log.res as { status?: number } | undefined;
      if (!req?.method || !res) return msg;
      const line = `${req.method} ${req.path} ${res.status} ${log.responseTime} ms (request ${req.id})`;
      return msg === 'request completed' ? line : `${msg}: ${line}`;
    },
  });
}

/**
 * Formats each line synchronously before writing it, so it keeps its place
 * among other writes to the terminal (the banner of `npm start`); pino-pretty
 * as a transport would write later, from a worker thread.
 */
function prettyDestination(destination: DestinationStream | undefined): DestinationStream | null {
  const out = destination ?? process.stdout;
  const prettify = loadPrettify(!destination && process.stdout.isTTY === true);
  if (!prettify) return null;
  return { write: (line: string) => void out.write(prettify(line)) };
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

/** A run of 32 or more base64url characters: a one-time token, a session id or a key, never a route name. */
const SECRET_LIKE = /[A-Za-z0-9_-]{32,}/g;

/**
 * The path of a request URL as the access log writes it: no query string at
 * all, and any token-like run in the path (a reset token pasted into
 * `/reset-password/<token>`, say) replaced by `[redacted]`. Percent-encoded
 * paths are decoded first so an encoded token is found too.
 */
export function loggablePath(url: string): string {
  const raw = url.split(/[?#]/, 1)[0]!;
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    /* not decodable: redact the raw form */
  }
  return decoded.replace(SECRET_LIKE, '[redacted]');
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
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: loggablePath(req.url) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    // A level the logger leaves out is 'silent' up front: pino-http then skips
    // building a line that would only be thrown away.
    customLogLevel: (req, res, err) => {
      const level = err || res.statusCode >= 500 ? 'error' : 'info';
      return req.log.isLevelEnabled(level) ? level : 'silent';
    },
    // Health checks and relying apps' once-a-second back-channel polls would
    // drown everything else; they still carry request ids when they fail.
    // Below the error level (LOG_LEVEL=fatal or silent) no access line can be
    // written, so no request is watched for one.
    autoLogging: { ignore: (req) => !req.log.isLevelEnabled('error') || QUIET_PATHS.has((req.url ?? '').split('?', 1)[0]!) },
  });
}
