import { createHash, randomBytes } from 'node:crypto';
import type { SessionRecord, SessionStore } from './session-store';

export interface SessionPolicy {
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  tokenTtlSeconds: number;
  /** Clock tolerance added to how long a revoked session's tokens may live. */
  clockToleranceSeconds: number;
}

export type RefreshOutcome =
  | { ok: true; session: SessionRecord; refreshToken: string }
  | { ok: false; code: 'UNAUTHENTICATED' | 'SESSION_EXPIRED' | 'REFRESH_REUSED' };

/** Opaque refresh tokens are 256 random bits: a fast hash is enough to store them. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** Session lifecycle: start, refresh with rotation and reuse detection, revoke. */
export function createSessionService(store: SessionStore, policy: SessionPolicy) {
  const tokenLifetimeMs = (policy.tokenTtlSeconds + policy.clockToleranceSeconds) * 1000;

  function isLive(s: SessionRecord, now: number): boolean {
    return s.revokedAt === null && now < s.absoluteExpiresAt && now < s.lastActiveAt + policy.idleTimeoutSeconds * 1000;
  }

  return {
    isLive,

    idleExpiresAt: (s: SessionRecord) => s.lastActiveAt + policy.idleTimeoutSeconds * 1000,

    async start(userId: string, now: number): Promise<{ session: SessionRecord; refreshToken: string }> {
      const refreshToken = newRefreshToken();
      const session: SessionRecord = {
        id: newId('ses'),
        userId,
        createdAt: now,
        lastActiveAt: now,
        absoluteExpiresAt: now + policy.absoluteTimeoutSeconds * 1000,
        refreshHash: hashRefreshToken(refreshToken),
        retiredRefreshHashes: [],
        revokedAt: null,
        revokeReason: null,
      };
      await store.create(session);
      return { session, refreshToken };
    },

    /** The session a refresh cookie belongs to, if it is the current one and alive. */
    async fromRefreshToken(token: string | undefined, now: number): Promise<SessionRecord | null> {
      if (!token) return null;
      const found = await store.findByRefreshHash(hashRefreshToken(token));
      return found && found.state === 'current' && isLive(found.session, now) ? found.session : null;
    },

    async refresh(token: string | undefined, now: number): Promise<RefreshOutcome> {
      if (!token) return { ok: false, code: 'UNAUTHENTICATED' };
      const hash = hashRefreshToken(token);
      const found = await store.findByRefreshHash(hash);
      if (!found) return { ok: false, code: 'UNAUTHENTICATED' };
      const { session } = found;
      if (found.state === 'retired') {
        // A rotated-away token came back: it was copied. End the session for
        // everyone holding it, thief and owner alike.
        await store.revoke([session.id], 'refresh-token-reuse', now, tokenLifetimeMs);
        return { ok: false, code: 'REFRESH_REUSED' };
      }
      if (!isLive(session, now)) {
        return { ok: false, code: session.revokedAt === null ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED' };
      }
      const next = newRefreshToken();
      const rotated = await store.rotate(session.id, hash, hashRefreshToken(next), now);
      if (rotated === 'stale') {
        // Lost a race with another refresh using the same token: that is reuse.
        await store.revoke([session.id], 'refresh-token-reuse', now, tokenLifetimeMs);
        return { ok: false, code: 'REFRESH_REUSED' };
      }
      return { ok: true, session, refreshToken: next };
    },

    async revoke(ids: readonly string[], reason: string, now: number): Promise<string[]> {
      return store.revoke(ids, reason, now, tokenLifetimeMs);
    },

    async revokeAllForUser(userId: string, reason: string, now: number): Promise<string[]> {
      const active = await store.listActiveForUser(userId, now);
      return store.revoke(active.map((s) => s.id), reason, now, tokenLifetimeMs);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
