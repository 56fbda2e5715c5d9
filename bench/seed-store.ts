/**
 * Seeds the BFFs' stores directly (before the services start) with N users
 * and their live sessions, for the size curve (bench/size-curve.ts). Going
 * through the HTTP API would cost a bcrypt hash and a whole-store write per
 * user; here one hash serves every user and the records are streamed out in
 * chunks, so 100,000 users x 5 sessions never sit in memory as one string.
 *
 * The embedded stores are written in their snapshot format and nothing else:
 * `app1.json` = { version: 1, users, sessions, revocations } and `app2.json` =
 * { version: 1, users }. A store that keeps a journal next to the snapshot
 * reads that format as its starting point. The PostgreSQL stores are filled
 * with one multi-row INSERT (unnest of column arrays) per chunk, after the
 * apps' own migrations have created the schemas.
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { runMigrations } from '@sso/bff-common';
import { APP1_MIGRATIONS_DIR, APP1_SCHEMA } from '../bff/app1/src/storage/postgres-store';
import { APP2_MIGRATIONS_DIR, APP2_SCHEMA } from '../bff/app2/src/storage/postgres-store';
import { hashRefreshToken } from '../bff/app1/src/sessions/session-service';
import type { SessionRecord } from '../bff/app1/src/sessions/session-store';
import type { UserRecord } from '../bff/app1/src/users/user-store';
import type { LocalUserRecord } from '../bff/app2/src/users/local-user-store';

export interface SeedSpec {
  /** Accounts at app 1. */
  users: number;
  /** Live sessions per account (each with a random refresh hash nobody holds the token of). */
  sessionsPerUser: number;
  /**
   * The last this-many accounts are unknown to app 2 (it has no local user
   * for them), so their first /api/me there provisions one. The others are
   * known, last seen an hour ago.
   */
  unknownToApp2: number;
  /** App 1's origin: the `iss` app 2 keeps with each local user. */
  issuer: string;
  /** Every account's password (one bcrypt hash at `bcryptCost` serves them all). */
  password: string;
  bcryptCost: number;
  /**
   * Refresh tokens to hand back (default 0): the first session of this many
   * accounts, spread over the range, gets the hash of a token the caller
   * then holds, last used at `now`. Every other refresh hash is random.
   */
  refreshTokens?: number;
  /** Clock of the seed (default Date.now()): sessions are live at this time. */
  now?: number;
}

export interface SeedSummary {
  users: number;
  sessions: number;
  /** Local users at app 2. */
  localUsers: number;
  /** Refresh tokens of seeded sessions (see SeedSpec.refreshTokens), each of a different account. */
  refreshTokens: string[];
  seconds: number;
}

/** Username of seeded account `i` (already normalized, as sign-in normalizes). */
export function seedUsername(i: number): string {
  return `seed-${i}`;
}

/** Accounts per chunk: each chunk is built, written and dropped before the next. */
const CHUNK = 2_000;
/** Session lifetime and how recently the seeded sessions were used (within app 1's 30 min idle timeout). */
const ABSOLUTE_MS = 12 * 3600_000;
const RECENT_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;

/** `prefix_` + n random bytes in base64url, the shape of the apps' own ids. */
function ids(prefix: string, count: number, bytes: number): string[] {
  const buf = randomBytes(count * bytes);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = `${prefix}_${buf.subarray(i * bytes, (i + 1) * bytes).toString('base64url')}`;
  return out;
}

interface Chunk {
  users: UserRecord[];
  sessions: SessionRecord[];
  localUsers: LocalUserRecord[];
  refreshTokens: string[];
}

/** The seed, CHUNK accounts at a time: users, their sessions, app 2's local users, the tokens handed back. */
async function* chunks(spec: SeedSpec): AsyncGenerator<Chunk> {
  const now = spec.now ?? Date.now();
  const passwordHash = await bcrypt.hash(spec.password, spec.bcryptCost);
  const knownToApp2 = spec.users - spec.unknownToApp2;
  const tokens = Math.min(spec.refreshTokens ?? 0, spec.users);
  // Accounts whose first session gets a token handed back: floor(k * users / tokens).
  const holder = new Set(Array.from({ length: tokens }, (_, k) => Math.floor((k * spec.users) / tokens)));
  for (let from = 0; from < spec.users; from += CHUNK) {
    const n = Math.min(CHUNK, spec.users - from);
    const userIds = ids('usr', n, 16);
    const sessionIds = ids('ses', n * spec.sessionsPerUser, 16);
    const refresh = randomBytes(n * spec.sessionsPerUser * 32);
    const localIds = ids('lu', n, 12);
    const chunk: Chunk = { users: [], sessions: [], localUsers: [], refreshTokens: [] };
    for (let k = 0; k < n; k++) {
      const i = from + k;
      const username = seedUsername(i);
      const createdAt = new Date(now - 30 * DAY_MS + Math.floor(Math.random() * 29 * DAY_MS)).toISOString();
      const user: UserRecord = { id: userIds[k]!, username, email: `${username}@example.test`, emailVerified: false, name: `Seed User ${i}`, passwordHash, createdAt, disabledAt: null, groups: [] };
      chunk.users.push(user);
      for (let s = 0; s < spec.sessionsPerUser; s++) {
        const j = k * spec.sessionsPerUser + s;
        const held = s === 0 && holder.has(i);
        const lastActiveAt = held ? now : now - Math.floor(Math.random() * RECENT_MS);
        const started = lastActiveAt - Math.floor(Math.random() * 2 * 3600_000);
        const random = refresh.subarray(j * 32, (j + 1) * 32).toString('base64url');
        if (held) chunk.refreshTokens.push(random);
        chunk.sessions.push({
          id: sessionIds[j]!,
          userId: user.id,
          createdAt: started,
          lastActiveAt,
          absoluteExpiresAt: started + ABSOLUTE_MS,
          // Otherwise random bytes in the shape of a SHA-256 in base64url: no one holds the token.
          refreshHash: held ? hashRefreshToken(random) : random,
          retiredRefreshHashes: [],
          revokedAt: null,
          revokeReason: null,
          userAgent: null,
          address: null,
        });
      }
      if (i < knownToApp2) {
        // Seen an hour ago: the first /api/me of a new session updates lastSeenAt (a write), as for a returning user.
        chunk.localUsers.push({
          id: localIds[k]!,
          iss: spec.issuer,
          sub: user.id,
          username,
          email: user.email,
          // As the seeded users' tokens say (the PostgreSQL columns default to false too).
          emailVerified: false,
          name: user.name,
          createdAt,
          lastSeenAt: new Date(now - 3600_000).toISOString(),
        });
      }
    }
    yield chunk;
  }
}

/**
 * A JSON array written element by element, so the whole document never
 * exists as one string; one element per line, the layout the store's
 * compaction writes and reads back in chunks (ADR 014).
 */
class JsonArrayWriter {
  private first = true;
  constructor(private readonly write: (text: string) => Promise<void>) {}
  async add(items: readonly unknown[]) {
    if (items.length === 0) return;
    const text = items.map((x) => JSON.stringify(x)).join(',\n');
    await this.write(this.first ? text : `,\n${text}`);
    this.first = false;
  }
  /** What ends the array's last line. */
  get end(): string {
    return this.first ? '' : '\n';
  }
}

/**
 * Writes `DATA_DIR/app1.json` and `DATA_DIR/app2.json` (mode 0600, in the
 * layout the stores' compaction writes them). In app1.json the sessions come after all the users but
 * are generated with them, chunk by chunk: they go to a side file first and
 * are copied in after the users array.
 */
export async function seedLowdb(dataDir: string, spec: SeedSpec): Promise<SeedSummary> {
  const started = performance.now();
  const app1File = path.join(dataDir, 'app1.json');
  const sessionsFile = path.join(dataDir, '.seed-sessions.tmp');
  const app2File = path.join(dataDir, 'app2.json');
  const app1 = await open(app1File, 'wx', 0o600);
  const side = await open(sessionsFile, 'wx+', 0o600);
  const app2 = await open(app2File, 'wx', 0o600);
  const summary: SeedSummary = { users: 0, sessions: 0, localUsers: 0, refreshTokens: [], seconds: 0 };
  try {
    const put = (fh: typeof app1) => async (text: string) => {
      await fh.write(text);
    };
    await app1.write('{"version":1,"journal":0,\n"users":[\n');
    await app2.write('{"version":1,"journal":0,\n"users":[\n');
    const users = new JsonArrayWriter(put(app1));
    const sessions = new JsonArrayWriter(put(side));
    const localUsers = new JsonArrayWriter(put(app2));
    for await (const chunk of chunks(spec)) {
      await users.add(chunk.users);
      await sessions.add(chunk.sessions);
      await localUsers.add(chunk.localUsers);
      summary.users += chunk.users.length;
      summary.sessions += chunk.sessions.length;
      summary.localUsers += chunk.localUsers.length;
      summary.refreshTokens.push(...chunk.refreshTokens);
    }
    await app1.write(`${users.end}],\n"sessions":[\n`);
    // Copy the sessions over in blocks.
    const block = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; ; ) {
      const { bytesRead } = await side.read(block, 0, block.length, position);
      if (bytesRead === 0) break;
      await app1.write(block.subarray(0, bytesRead));
      position += bytesRead;
    }
    await app1.write(`${sessions.end}],\n"revocations":[\n]}\n`);
    await app2.write(`${localUsers.end}]}\n`);
    await app1.sync();
    await app2.sync();
  } finally {
    await Promise.all([app1.close(), side.close(), app2.close()]);
    await rm(sessionsFile, { force: true });
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/**
 * Applies both apps' migrations to `databaseUrl` (an empty database) and
 * fills app1.users, app1.sessions and app2.local_users.
 */
export async function seedPostgres(databaseUrl: string, spec: SeedSpec): Promise<SeedSummary> {
  const started = performance.now();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const summary: SeedSummary = { users: 0, sessions: 0, localUsers: 0, refreshTokens: [], seconds: 0 };
  try {
    await runMigrations(pool, { schema: APP1_SCHEMA, dir: APP1_MIGRATIONS_DIR });
    await runMigrations(pool, { schema: APP2_SCHEMA, dir: APP2_MIGRATIONS_DIR });
    const col = <T, K extends keyof T>(rows: T[], key: K) => rows.map((r) => r[key]);
    for await (const c of chunks(spec)) {
      // Column arrays unnested into rows: one statement and one round trip per chunk.
      await pool.query(
        `INSERT INTO app1.users (id, username, email, name, password_hash, created_at, disabled_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[])`,
        [col(c.users, 'id'), col(c.users, 'username'), col(c.users, 'email'), col(c.users, 'name'), col(c.users, 'passwordHash'), col(c.users, 'createdAt'), col(c.users, 'disabledAt')],
      );
      await pool.query(
        `INSERT INTO app1.sessions (id, user_id, created_at, last_active_at, absolute_expires_at, refresh_hash, revoked_at, revoke_reason)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::text[])`,
        [
          col(c.sessions, 'id'),
          col(c.sessions, 'userId'),
          col(c.sessions, 'createdAt'),
          col(c.sessions, 'lastActiveAt'),
          col(c.sessions, 'absoluteExpiresAt'),
          col(c.sessions, 'refreshHash'),
          col(c.sessions, 'revokedAt'),
          col(c.sessions, 'revokeReason'),
        ],
      );
      if (c.localUsers.length) {
        await pool.query(
          `INSERT INTO app2.local_users (id, iss, sub, username, email, name, created_at, last_seen_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[])`,
          [
            col(c.localUsers, 'id'),
            col(c.localUsers, 'iss'),
            col(c.localUsers, 'sub'),
            col(c.localUsers, 'username'),
            col(c.localUsers, 'email'),
            col(c.localUsers, 'name'),
            col(c.localUsers, 'createdAt'),
            col(c.localUsers, 'lastSeenAt'),
          ],
        );
      }
      summary.users += c.users.length;
      summary.sessions += c.sessions.length;
      summary.localUsers += c.localUsers.length;
      summary.refreshTokens.push(...c.refreshTokens);
    }
    // Fresh statistics, as autovacuum would have gathered on a database that grew over time.
    await pool.query('ANALYZE app1.users, app1.sessions, app2.local_users');
  } finally {
    await pool.end();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
