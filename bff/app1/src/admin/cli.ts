import { parseArgs } from 'node:util';
import columnify from 'columnify';
import { ConfigError, StoreError, createLogger, redactDatabaseUrl } from '@sso/bff-common';
import { createApp, type App1Options } from '../app';
import { loadConfig, type App1Config } from '../config';
import { AdminCommandSchema, type AdminCommand, type AdminOutcome, type AdminResult } from './commands';
import { runAdminCommand } from './operations';
import { adminSocketPath, askAdminSocket } from './socket';

/** Exit codes `npm run admin` documents: scripts switch on them. */
export const EXIT = {
  OK: 0,
  /** Anything unexpected, or a configuration the service itself would refuse. */
  FAILED: 1,
  /** Unknown verb, missing or malformed argument, `user delete` without `--yes`. */
  USAGE: 2,
  /** No such account or session. */
  NOT_FOUND: 3,
  /** The store cannot be reached: PostgreSQL down, or app 1 runs on lowdb and its admin socket does not answer. */
  UNAVAILABLE: 4,
  /** The account is not in a state that allows it (a reset link for a disabled account, a 21st group). */
  CONFLICT: 5,
} as const;

export const ADMIN_HELP = `Usage: npm run admin -- <verb> [--json]

Verbs:
  users                         list every account
  user show NAME                one account: groups, status, second factor, live sessions
  user disable NAME             disable the account and end all its sessions
  user enable NAME              enable it again (it signs in anew)
  user delete NAME --yes        delete the account and all app 1 holds about it;
                                relying apps delete their local user
  user reset-link NAME          print a one-time password reset link
  user sessions NAME            list the account's live sessions
  session revoke SID            end one session
  group add NAME GROUP          put the account in a group (the token's "groups")
  group remove NAME GROUP       take it out

Options:
  --json                        print the result as JSON (for scripts)
  --yes                         confirm "user delete"
  -h, --help                    this help

Works on the configured store (STORE, DATA_DIR, DATABASE_URL: the same
variables as app 1). With lowdb and app 1 running, the running app 1 does the
work (its admin socket in DATA_DIR), so the store never has two writers.
Disable, delete and revoke reach relying apps within the revocation feed's
bound (SSO_REVOCATION_POLL_MS). Group changes reach tokens at their next
renewal (within SSO_TOKEN_TTL), forward auth at once.

Exit codes: 0 ok, 1 failed, 2 usage error, 3 not found, 4 store or service
unreachable, 5 not possible in the account's state.
`;

export interface AdminCliIo {
  env?: Record<string, string | undefined>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Passed to createApp when the CLI opens the store itself (tests: a clock). */
  appOptions?: App1Options;
}

type Parsed = { ok: true; command: AdminCommand; json: boolean; yes: boolean } | { ok: false; help: boolean; message?: string };

/** The command line as one command, or why it is not one. */
export function parseAdminArgs(argv: readonly string[]): Parsed {
  let values: { json?: boolean; yes?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean' }, yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    return { ok: false, help: false, message: (err as Error).message };
  }
  if (values.help) return { ok: false, help: true };
  if (positionals.length === 0) return { ok: false, help: false, message: 'Name a verb.' };
  const [noun, verb, ...rest] = positionals;
  let raw: Record<string, unknown>;
  const want = (n: number, shape: string): string | null => (rest.length === n ? null : `"${noun} ${verb}" takes ${shape}.`);
  let problem: string | null = null;
  if (noun === 'users') {
    raw = { verb: 'users' };
    problem = positionals.length === 1 ? null : '"users" takes no argument.';
  } else if (noun === 'user' && ['show', 'disable', 'enable', 'delete', 'reset-link', 'sessions'].includes(verb ?? '')) {
    raw = { verb: `user ${verb}`, username: rest[0] };
    problem = want(1, 'one account name (NAME)');
  } else if (noun === 'session' && verb === 'revoke') {
    raw = { verb: 'session revoke', sid: rest[0] };
    problem = want(1, 'one session id (SID)');
  } else if (noun === 'group' && (verb === 'add' || verb === 'remove')) {
    raw = { verb: `group ${verb}`, username: rest[0], group: rest[1] };
    problem = want(2, 'an account name and a group (NAME GROUP)');
  } else {
    return { ok: false, help: false, message: `Unknown verb "${positionals.slice(0, 2).join(' ')}".` };
  }
  if (problem) return { ok: false, help: false, message: problem };
  const parsed = AdminCommandSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'argument');
    return { ok: false, help: false, message: `${field === 'username' ? 'NAME' : field === 'group' ? 'GROUP' : field === 'sid' ? 'SID' : field} "${String(raw[field] ?? '')}" ${issue.message}.` };
  }
  return { ok: true, command: parsed.data, json: values.json ?? false, yes: values.yes ?? false };
}

/**
 * `npm run admin -- <verb>`: parses, runs the verb where it is safe to, prints
 * a table or `--json`, and returns the exit code (EXIT).
 */
export async function runAdminCli(argv: readonly string[], io: AdminCliIo = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => process.stderr.write(t));
  const parsed = parseAdminArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      out(ADMIN_HELP);
      return EXIT.OK;
    }
    err(`${parsed.message}\nRun "npm run admin -- --help" for the verbs.\n`);
    return EXIT.USAGE;
  }
  const { command, json } = parsed;
  if (command.verb === 'user delete' && !parsed.yes) {
    err(`"user delete" deletes ${command.username} and everything app 1 holds about the account, for good; relying apps delete their local user. Run it again with --yes.\n`);
    return EXIT.USAGE;
  }

  let config: App1Config;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${e.message}\n`);
      return EXIT.FAILED;
    }
    throw e;
  }

  const outcome = await execute(config, command, io, err);
  if (typeof outcome === 'number') return outcome;
  if (!outcome.ok) {
    if (json) out(`${JSON.stringify({ ok: false, code: outcome.code, message: outcome.message })}\n`);
    err(`${outcome.message}\n`);
    return outcome.code === 'NOT_FOUND' ? EXIT.NOT_FOUND : EXIT.CONFLICT;
  }
  out(json ? `${JSON.stringify(outcome.result, null, 2)}\n` : render(outcome.result));
  return EXIT.OK;
}

/** Runs the command through the running app 1 (lowdb) or on the store itself; a number is an exit code. */
async function execute(config: App1Config, command: AdminCommand, io: AdminCliIo, err: (t: string) => void): Promise<AdminOutcome | number> {
  if (config.store === 'lowdb') {
    const socket = adminSocketPath(config.dataDir);
    const answer = await askAdminSocket(socket, command);
    if (answer.reached === true) return answer.outcome;
    if (answer.reached === 'error') {
      err(`App 1 did not carry out the command (${socket}): ${answer.message}\n`);
      return EXIT.UNAVAILABLE;
    }
    // Nothing listens: open the store here. Its lock stops us if app 1 runs all the same.
  }
  const logger = config.logDir
    ? createLogger({ name: 'admin', level: config.logLevel, dir: config.logDir })
    : createLogger({ name: 'admin', level: 'warn', destination: { write: (line: string) => err(line) } });
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp(config, { ...io.appOptions, logger });
  } catch (e) {
    if (e instanceof StoreError) {
      const where = config.store === 'postgres' ? redactDatabaseUrl(config.databaseUrl!) : config.dataDir;
      err(
        e.code === 'STORE_LOCKED'
          ? `${e.message.split('. ')[0]}, but its admin socket (${adminSocketPath(config.dataDir)}) did not answer. Is app 1 still starting? Try again in a moment.\n`
          : `Cannot open the store (${where}): ${e.message}\n`,
      );
      return EXIT.UNAVAILABLE;
    }
    throw e;
  }
  try {
    return await runAdminCommand(app.context, command);
  } catch (e) {
    if (e instanceof StoreError) {
      err(`The store failed: ${e.message}\n`);
      return EXIT.UNAVAILABLE;
    }
    throw e;
  } finally {
    await app.close();
  }
}

const date = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const table = (rows: Record<string, unknown>[]) => `${columnify(rows, { columnSplitter: '  ', preserveNewLines: false })}\n`;
const sessionsLabel = (n: number) => `${n} session${n === 1 ? '' : 's'}`;

/** The human-readable output of a verb. */
export function render(result: AdminResult): string {
  switch (result.verb) {
    case 'users':
      if (result.users.length === 0) return 'No accounts.\n';
      return table(
        result.users.map((u) => ({
          username: u.username,
          id: u.id,
          email: u.email ?? '',
          name: u.name ?? '',
          groups: u.groups.join(','),
          created: date(u.createdAt),
          status: u.disabledAt ? 'disabled' : 'active',
        })),
      );
    case 'user show': {
      const u = result.user;
      const facts: [string, string][] = [
        ['username', u.username],
        ['id (sub)', u.id],
        ['email', u.email ?? ''],
        ['name', u.name ?? ''],
        ['groups', u.groups.join(', ') || '(none)'],
        ['created', date(u.createdAt)],
        ['status', u.disabledAt ? `disabled since ${date(u.disabledAt)}` : 'active'],
        ['two-step sign-in', u.totp ? `on (${u.recoveryCodesLeft} recovery codes left)` : 'off'],
        ['live sessions', String(u.liveSessions)],
      ];
      return `${columnify(facts.map(([k, v]) => ({ k: `${k}:`, v })), { showHeaders: false, columnSplitter: ' ' })}\n`;
    }
    case 'user sessions':
      if (result.sessions.length === 0) return `${result.username} has no live session.\n`;
      return table(
        result.sessions.map((s) => ({
          session: s.id,
          browser: s.browser ?? 'unknown',
          os: s.os ?? '',
          address: s.address ?? '',
          'signed in': date(s.createdAt),
          'last active': date(s.lastActiveAt),
          amr: s.amr.join(','),
        })),
      );
    case 'user disable':
      return result.changed
        ? `Disabled ${result.username}; ${sessionsLabel(result.revokedSessions)} ended (relying apps refuse their tokens within the revocation feed's bound).\n`
        : `${result.username} was disabled already (since ${date(result.disabledAt)}); ${sessionsLabel(result.revokedSessions)} ended.\n`;
    case 'user enable':
      return result.changed ? `Enabled ${result.username}: the account can sign in again.\n` : `${result.username} was not disabled.\n`;
    case 'user delete':
      return `Deleted ${result.username} (${result.id}); ${sessionsLabel(result.revokedSessions)} ended. Relying apps delete their local user within the revocation feed's bound.\n`;
    case 'user reset-link':
      return `Password reset link for ${result.username} (works once, until ${date(result.expiresAt)}; voids earlier links):\n${result.link}\n`;
    case 'session revoke':
      return result.changed
        ? `Ended session ${result.sid}${result.username ? ` of ${result.username}` : ''} (relying apps refuse its tokens within the revocation feed's bound).\n`
        : `Session ${result.sid} had ended already.\n`;
    case 'group add':
    case 'group remove': {
      const groups = result.groups.join(', ') || '(none)';
      if (result.verb === 'group add') return result.changed ? `Added ${result.username} to ${result.group}. Groups: ${groups}\n` : `${result.username} is in ${result.group} already. Groups: ${groups}\n`;
      return result.changed ? `Removed ${result.username} from ${result.group}. Groups: ${groups}\n` : `${result.username} is not in ${result.group}. Groups: ${groups}\n`;
    }
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}
