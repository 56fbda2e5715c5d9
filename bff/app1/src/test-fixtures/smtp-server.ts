import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback for tests (smtp-server: the real protocol,
 * not a mock of nodemailer). It accepts user/secret over plain text (STARTTLS
 * off, insecure auth allowed: loopback only) and parses what it receives.
 * `refuseNext(n)` answers the next n messages with a 451 temporary failure.
 */
export async function startSmtpServer(): Promise<{
  url: string;
  received: ParsedMail[];
  authUsers: string[];
  refuseNext(n: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}> {
  const received: ParsedMail[] = [];
  const authUsers: string[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'user' && auth.password === 'secret') {
        authUsers.push(auth.username);
        cb(null, { user: auth.username });
      } else cb(new Error('Invalid username or password'));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse > 0) {
          refuse--;
          const err = new Error('Try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          cb(err);
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push(mail);
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://user:secret@127.0.0.1:${port}`,
    received,
    authUsers,
    refuseNext: (n) => void (refuse = n),
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, the SMTP server received ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
