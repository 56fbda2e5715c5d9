import { chmod, unlink } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import type { App1Context } from '../context';
import { AdminCommandSchema, type AdminCommand, type AdminOutcome } from './commands';
import { runAdminCommand } from './operations';

/**
 * App 1's admin socket (ADR 034): a unix socket in DATA_DIR through which
 * `npm run admin` asks the running process to act, so one lowdb store never
 * has two writers. Only a local user who may write DATA_DIR (0700) can
 * connect: the socket file is 0600 in a 0700 directory, no port, no secret.
 */
export const ADMIN_SOCKET_FILE = 'app1.admin.sock';
/** sun_path holds 108 bytes on Linux (104 on macOS): a longer path cannot be a socket. */
const MAX_SOCKET_PATH = 100;
const MAX_BODY_BYTES = 4096;

export function adminSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), ADMIN_SOCKET_FILE);
}

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * Listens on DATA_DIR/app1.admin.sock. Call only while holding the store's
 * lock (a file left by a crashed process is replaced). Null, with a warning,
 * when DATA_DIR's path is too long for a socket: the admin command then says
 * so instead of opening the store beside the running process.
 */
export async function listenAdminSocket(ctx: App1Context): Promise<AdminSocket | null> {
  const file = adminSocketPath(ctx.config.dataDir);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
    ctx.logger.warn({ path: file }, `DATA_DIR's path is too long for the admin socket (${MAX_SOCKET_PATH} bytes at most): npm run admin cannot reach this process. Use a shorter DATA_DIR.`);
    return null;
  }
  await unlink(file).catch(() => undefined);
  const server = createServer((req, res) => {
    const answer = (status: number, body: AdminOutcome | { ok: false; code: 'BAD_REQUEST' | 'INTERNAL'; message: string }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/admin') return answer(404, { ok: false, code: 'BAD_REQUEST', message: 'POST /admin only' });
    readJson(req).then(
      async (raw) => {
        const parsed = AdminCommandSchema.safeParse(raw);
        if (!parsed.success) return answer(400, { ok: false, code: 'BAD_REQUEST', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'command'} ${i.message}`).join('; ') });
        answer(200, await runAdminCommand(ctx, parsed.data));
      },
      (err: unknown) => answer(400, { ok: false, code: 'BAD_REQUEST', message: (err as Error).message }),
    ).catch((err: unknown) => {
      ctx.logger.error({ err }, 'admin command failed');
      answer(500, { ok: false, code: 'INTERNAL', message: `app 1 failed to run it: ${(err as Error).message}` });
    });
  });
  // Never hold up a shutdown for an operator's connection.
  server.keepAliveTimeout = 1000;
  try {
    await listenOn(server, file);
  } catch (err) {
    ctx.logger.warn({ path: file, err: String(err) }, 'admin socket not available: npm run admin cannot reach this process');
    return null;
  }
  await chmod(file, 0o600);
  ctx.logger.info({ path: file }, 'admin socket listening (npm run admin)');
  return {
    path: file,
    close: () => closeServer(server, file),
  };
}

function listenOn(server: Server, file: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is created under the process umask: tighten it before anyone can be told it exists.
    const mask = process.umask(0o177);
    try {
      server.listen(file, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(mask);
    }
  });
}

async function closeServer(server: Server, file: string): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await unlink(file).catch(() => undefined);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, so the client still gets its 400.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new Error(`command larger than ${MAX_BODY_BYTES} bytes`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Error('command is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** What asking the running app 1 gave: its outcome, or that nothing listens (then the CLI opens the store itself). */
export type SocketAnswer = { reached: true; outcome: AdminOutcome } | { reached: false; why: 'absent' | 'refused' } | { reached: 'error'; message: string };

/** Sends one command to the admin socket at `file`. */
export function askAdminSocket(file: string, command: AdminCommand, timeoutMs = 30_000): Promise<SocketAnswer> {
  return new Promise((resolve) => {
    const req = request({ socketPath: file, path: '/admin', method: 'POST', headers: { 'content-type': 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdminOutcome | { ok: false; code: string; message: string };
          if (body.ok || body.code === 'NOT_FOUND' || body.code === 'CONFLICT') resolve({ reached: true, outcome: body as AdminOutcome });
          else resolve({ reached: 'error', message: body.message });
        } catch {
          resolve({ reached: 'error', message: `app 1 answered ${res.statusCode} with something that is not JSON` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`app 1 did not answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ reached: false, why: 'absent' });
      else if (err.code === 'ECONNREFUSED') resolve({ reached: false, why: 'refused' });
      else resolve({ reached: 'error', message: err.message });
    });
    req.end(JSON.stringify(command));
  });
}
