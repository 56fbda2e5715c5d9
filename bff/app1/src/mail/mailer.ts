import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { writeFileAtomic } from '@sso/session';

/** One mail, as every transport takes it and as the file outbox stores it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers one message or throws; the mailer retries. */
export interface MailTransport {
  readonly description: string;
  deliver(message: MailMessage): Promise<void>;
  close?(): void;
}

/** Where the file outbox lives: `DATA_DIR/outbox`. */
export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/**
 * MAIL_TRANSPORT=file: each message becomes `<ISO time>-<id>.json` =
 * `{ to, subject, text, html }` in the outbox. Written atomically (temp file,
 * rename) with mode 0600, since a message holds a one-time link: a reader
 * never sees half a file.
 */
export function fileTransport(dir: string, now: () => number = Date.now): MailTransport {
  let ready: Promise<unknown> | null = null;
  return {
    description: `file outbox ${dir}`,
    async deliver(message) {
      ready ??= mkdir(dir, { recursive: true, mode: 0o700 });
      await ready;
      const name = `${new Date(now()).toISOString()}-${randomBytes(6).toString('hex')}.json`;
      await writeFileAtomic(path.join(dir, name), `${JSON.stringify(message, null, 2)}\n`);
    },
  };
}

/** MAIL_TRANSPORT=smtp: nodemailer over SMTP_URL (smtp:// or smtps://, credentials in the URL), from MAIL_FROM. */
export function smtpTransport(smtpUrl: string, from: string, description: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl, { from });
  return {
    description,
    async deliver(message) {
      await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    },
    close: () => transporter.close(),
  };
}

export interface RetryPolicy {
  /** Deliveries tried in all (the first one included). */
  attempts: number;
  /** Wait before the second try; doubled for each later one. */
  firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 2_000 };

/**
 * Sends mail in the background. `send` returns at once: a slow or failing
 * mail server never changes or delays an HTTP answer (a delay that only
 * known accounts pay would tell which accounts exist). A failed delivery is
 * logged and retried with exponential backoff (2 s, 4 s, 8 s, ...), then
 * given up with an error line.
 */
export interface Mailer {
  readonly description: string;
  /** Queues a message; never throws, never waits for the delivery. `kind` names it in the logs (never the link). */
  send(message: MailMessage, kind: string): void;
  /** Resolves once every queued message was delivered or given up (tests, shutdown). */
  idle(): Promise<void>;
  /** Waits up to `timeoutMs` for queued mail, then stops retrying and closes the transport. */
  close(timeoutMs?: number): Promise<void>;
}

export function createMailer(transport: MailTransport, logger: Logger, retry: RetryPolicy = DEFAULT_RETRY): Mailer {
  const pending = new Set<Promise<void>>();
  /** Backoff waits in progress: close() ends them early. */
  const waits = new Map<NodeJS.Timeout, () => void>();
  let closing = false;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        waits.delete(t);
        resolve();
      }, ms);
      waits.set(t, resolve);
    });

  async function deliver(message: MailMessage, kind: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await transport.deliver(message);
        logger.info({ event: 'mail.sent', kind, attempt }, 'mail delivered');
        return;
      } catch (err) {
        const last = attempt >= retry.attempts || closing;
        const delayMs = retry.firstDelayMs * 2 ** (attempt - 1);
        if (last) {
          logger.error({ event: 'mail.failed', kind, attempt, err: String(err) }, 'mail could not be delivered; giving up');
          return;
        }
        logger.warn({ event: 'mail.retry', kind, attempt, retryInMs: delayMs, err: String(err) }, 'mail delivery failed; will retry');
        await wait(delayMs);
        if (closing) {
          logger.error({ event: 'mail.failed', kind, attempt, err: 'shutting down' }, 'mail could not be delivered before shutdown; giving up');
          return;
        }
      }
    }
  }

  return {
    description: transport.description,
    send(message, kind) {
      const p = deliver(message, kind).finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close(timeoutMs = 5_000) {
      const idle = this.idle();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref()))]);
      clearTimeout(timer);
      closing = true;
      for (const [t, resolve] of waits) {
        clearTimeout(t);
        resolve();
      }
      waits.clear();
      await idle;
      transport.close?.();
    },
  };
}
