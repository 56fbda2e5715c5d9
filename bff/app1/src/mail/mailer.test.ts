import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../test-fixtures/smtp-server';
import { createMailer, fileTransport, smtpTransport, type MailMessage, type MailTransport } from './mailer';
import { passwordResetMail, PRODUCT_NAME } from './templates';

const message: MailMessage = { to: 'alice@example.test', subject: 'Hello', text: 'plain body', html: '<p>html body</p>' };

/** A logger whose lines a test can read. */
function logs() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { logger, lines, events: () => lines.map((l) => l.event).filter(Boolean) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sso-mail-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('file transport', () => {
  it('writes each message as <ISO time>-<id>.json = { to, subject, text, html }, mode 0600, in a 0700 outbox', async () => {
    const outbox = path.join(dir, 'outbox');
    const { logger } = logs();
    const mailer = createMailer(fileTransport(outbox, () => Date.parse('2026-03-01T12:00:00.000Z')), logger);
    mailer.send(message, 'test');
    mailer.send({ ...message, to: 'bob@example.test' }, 'test');
    await mailer.idle();
    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^2026-03-01T12:00:00\.000Z-[0-9a-f]{12}\.json$/);
    const stored = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(outbox, f), 'utf8'))));
    expect(stored.map((m) => m.to).sort()).toEqual(['alice@example.test', 'bob@example.test']);
    expect(Object.keys(stored[0]).sort()).toEqual(['html', 'subject', 'text', 'to']);
    expect((await stat(outbox)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(outbox, files[0]!))).mode & 0o777).toBe(0o600);
  });
});

describe('mailer', () => {
  it('send returns at once, even while the transport takes seconds', async () => {
    let release!: () => void;
    const slow: MailTransport = { description: 'slow', deliver: () => new Promise<void>((r) => (release = r)) };
    const mailer = createMailer(slow, logs().logger);
    const started = performance.now();
    mailer.send(message, 'test');
    expect(performance.now() - started).toBeLessThan(5);
    release();
    await mailer.idle();
  });

  it('a failed delivery is logged and retried with doubling waits, then delivered once', async () => {
    const tries: number[] = [];
    const flaky: MailTransport = {
      description: 'flaky',
      async deliver() {
        tries.push(performance.now());
        if (tries.length < 3) throw new Error('connection refused');
      },
    };
    const log = logs();
    const mailer = createMailer(flaky, log.logger, { attempts: 5, firstDelayMs: 40 });
    mailer.send(message, 'password-reset');
    await mailer.idle();
    expect(tries).toHaveLength(3);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(38);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(78);
    expect(log.events()).toEqual(['mail.retry', 'mail.retry', 'mail.sent']);
    expect(log.lines.find((l) => l.event === 'mail.retry')).toMatchObject({ kind: 'password-reset', err: 'Error: connection refused' });
  });

  it('gives up after the last attempt with an error line; other mail still goes', async () => {
    const sent: string[] = [];
    const broken: MailTransport = {
      description: 'broken',
      async deliver(m) {
        if (m.to === 'down@example.test') throw new Error('mailbox unavailable');
        sent.push(m.to);
      },
    };
    const log = logs();
    const mailer = createMailer(broken, log.logger, { attempts: 3, firstDelayMs: 1 });
    mailer.send({ ...message, to: 'down@example.test' }, 'test');
    mailer.send(message, 'test');
    await mailer.idle();
    expect(sent).toEqual(['alice@example.test']);
    expect(log.events().filter((e) => e === 'mail.retry')).toHaveLength(2);
    expect(log.events()).toContain('mail.failed');
  });

  it('close ends the backoff waits: shutdown is not held up by a mail server that is down', async () => {
    const down: MailTransport = { description: 'down', deliver: () => Promise.reject(new Error('down')) };
    const mailer = createMailer(down, logs().logger, { attempts: 10, firstDelayMs: 60_000 });
    mailer.send(message, 'test');
    const started = performance.now();
    await mailer.close(50);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('SMTP transport against a real SMTP server', () => {
  it('delivers text and HTML with MAIL_FROM, authenticating with the credentials in SMTP_URL', async () => {
    const smtp = await startSmtpServer();
    try {
      const mailer = createMailer(smtpTransport(smtp.url, 'Sign-in <no-reply@sso.localhost>', 'smtp'), logs().logger);
      const link = 'http://app1.sso.localhost:3001/reset-password#token=rst_abc';
      mailer.send(passwordResetMail('http://app1.sso.localhost:3001', { email: 'alice@example.test', name: 'Alice', username: 'alice' }, link, 30), 'password-reset');
      const [mail] = await smtp.waitFor(1);
      await mailer.close();
      expect(smtp.authUsers).toEqual(['user']);
      expect(mail!.from?.value[0]?.address).toBe('no-reply@sso.localhost');
      expect(mail!.to).toMatchObject({ value: [{ address: 'alice@example.test' }] });
      expect(mail!.subject).toBe(`Reset your password (${PRODUCT_NAME})`);
      expect(mail!.text).toContain(link);
      expect(mail!.text).toContain('http://app1.sso.localhost:3001');
      expect(mail!.html).toContain(`href="${link}"`);
    } finally {
      await smtp.close();
    }
  });

  it('a temporary refusal (451) is retried and the message arrives once', async () => {
    const smtp = await startSmtpServer();
    try {
      smtp.refuseNext(2);
      const log = logs();
      const mailer = createMailer(smtpTransport(smtp.url, 'no-reply@sso.localhost', 'smtp'), log.logger, { attempts: 4, firstDelayMs: 20 });
      mailer.send(message, 'test');
      await mailer.idle();
      await mailer.close();
      expect(smtp.received).toHaveLength(1);
      expect(log.events()).toEqual(['mail.retry', 'mail.retry', 'mail.sent']);
    } finally {
      await smtp.close();
    }
  });
});

describe('templates', () => {
  it('every value is escaped in the HTML body (a name cannot inject markup)', () => {
    const m = passwordResetMail('http://app1.sso.localhost:3001', { email: 'a@example.test', name: '<img src=x onerror=alert(1)>', username: 'alice' }, 'http://app1.sso.localhost:3001/reset-password#token=x', 30);
    expect(m.html).not.toContain('<img');
    expect(m.html).toContain('&#60;img');
    expect(m.text).toContain('<img src=x onerror=alert(1)>');
  });
});
