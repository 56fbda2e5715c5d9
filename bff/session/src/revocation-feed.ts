export interface RevocationFeedOptions {
  /** The identity app's `/api/revocations`. */
  url: string;
  /** Poll interval; bounds how long a revoked token keeps working here (default 1 s). */
  intervalMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Extra headers per poll (a request id, say). */
  headers?: () => Record<string, string>;
  /** Told of signing keys the feed newly lists as withdrawn (a relying app refetches the JWKS). */
  onKeysWithdrawn?: (kids: string[]) => void;
  /**
   * Told of accounts the identity app deleted (ADR 034), keyed by (`iss`,
   * `sub`): delete the local user. Awaited; if it throws, the cursor stays
   * where it was and the same entries come again at the next poll, so every
   * deletion is handled at least once (make it idempotent). Entries stay in
   * the feed for 30 days by default: an app that was down that long or less
   * catches up when it starts (its cursor starts at 0).
   */
  onAccountDeleted?: (deleted: AccountDeletion) => void | Promise<void>;
}

/** An account deletion from the feed. */
export interface AccountDeletion {
  iss: string;
  sub: string;
  /** When it was deleted (ms). */
  deletedAt: number;
}

export interface RevocationFeed {
  /** True when the identity app reported this session revoked. */
  isRevoked(sid: string): boolean;
  /** True when the identity app withdrew this signing key: its tokens are refused. */
  isKeyWithdrawn(kid: string): boolean;
  /** Polls once now (used at start and by tests). */
  sync(): Promise<void>;
  /** When a poll last succeeded (ms, the `now` clock); null before the first. Its age bounds how stale revocations are here. */
  lastSuccessAt(): number | null;
  start(): void;
  stop(): void;
}

/**
 * A relying app's copy of the identity app's revoked sessions. Tokens are
 * short-lived, so an entry is kept only until every token of that session has
 * expired; the set stays small. Staleness is at most one interval plus one
 * request while the identity app answers; while it does not, the last copy
 * keeps being used.
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const revoked = new Map<string, number>();
  const withdrawnKeys = new Map<string, number>();
  let cursor = 0;
  let timer: NodeJS.Timeout | null = null;
  let pending: Promise<void> | null = null;
  let lastSuccessAt: number | null = null;

  async function poll(): Promise<void> {
    const url = new URL(options.url);
    url.searchParams.set('since', String(cursor));
    const res = await doFetch(url, {
      headers: { accept: 'application/json', ...options.headers?.() },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`revocation feed answered ${res.status}`);
    const body = (await res.json()) as { revocations?: unknown; cursor?: unknown; withdrawnKeys?: unknown; deletions?: unknown };
    if (!Array.isArray(body.revocations) || typeof body.cursor !== 'number') throw new Error('revocation feed sent an unexpected body');
    for (const r of body.revocations as { sid?: unknown; expiresAt?: unknown }[]) {
      if (typeof r.sid === 'string' && typeof r.expiresAt === 'number') revoked.set(r.sid, r.expiresAt);
    }
    // The whole list every time (it is tiny): an identity app that predates withdrawal sends none.
    const fresh: string[] = [];
    for (const w of Array.isArray(body.withdrawnKeys) ? (body.withdrawnKeys as { kid?: unknown; expiresAt?: unknown }[]) : []) {
      if (typeof w.kid !== 'string' || typeof w.expiresAt !== 'number') continue;
      if (!withdrawnKeys.has(w.kid)) fresh.push(w.kid);
      withdrawnKeys.set(w.kid, w.expiresAt);
    }
    // An identity app that predates deletions sends none. Handled before the
    // cursor moves: a failing handler sees the same entries again next poll.
    if (options.onAccountDeleted && Array.isArray(body.deletions)) {
      for (const d of body.deletions as { iss?: unknown; sub?: unknown; deletedAt?: unknown }[]) {
        if (typeof d?.iss !== 'string' || typeof d.sub !== 'string' || d.sub === '' || typeof d.deletedAt !== 'number') continue;
        await options.onAccountDeleted({ iss: d.iss, sub: d.sub, deletedAt: d.deletedAt });
      }
    }
    cursor = body.cursor;
    const t = now();
    for (const [sid, expiresAt] of revoked) if (expiresAt <= t) revoked.delete(sid);
    for (const [kid, expiresAt] of withdrawnKeys) if (expiresAt <= t) withdrawnKeys.delete(kid);
    lastSuccessAt = t;
    if (fresh.length) options.onKeysWithdrawn?.(fresh);
  }

  function sync(): Promise<void> {
    pending ??= poll().finally(() => {
      pending = null;
    });
    return pending;
  }

  function schedule() {
    timer = setTimeout(() => {
      sync()
        .catch((err: unknown) => options.onError?.(err))
        .finally(() => {
          if (timer !== null) schedule();
        });
    }, intervalMs);
    timer.unref();
  }

  return {
    isRevoked: (sid) => revoked.has(sid),
    isKeyWithdrawn: (kid) => (withdrawnKeys.get(kid) ?? -Infinity) > now(),
    sync,
    lastSuccessAt: () => lastSuccessAt,
    start() {
      if (timer === null) schedule();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
