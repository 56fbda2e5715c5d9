import { createHash, randomBytes } from 'node:crypto';
import type { SessionEndReason } from '@sso/types';
import type { SessionDevice, SessionRecord, SessionStore } from './session-store';

export interface SessionPolicy {
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  tokenTtlSeconds: number;
  /** Clock tolerance added to how long a revoked session's tokens may live. */
  clockToleranceSeconds: number;
  /**
   * How long after a rotation the refresh token it replaced still renews the
   * domain token (without a new refresh token). Requests that left a browser
   * together (tabs of two apps renewing at once, restored tabs) share one
   * cookie value; only the first can rotate it. ADR 011.
   */
  refreshGraceSeconds: number;
  /** Live sessions one account may hold; a new one past it ends the oldest (default DEFAULT_SESSIONS_PER_USER). */
  maxSessionsPerUser?: number;
}

/** Enough for every browser and device a person uses; small enough that a sign-in flood cannot grow the store. */
export const DEFAULT_SESSIONS_PER_USER = 50;

export type RefreshOutcome =
  /** `refreshToken` is null when a just-rotated token renewed within the grace window: keep the cookie the browser has. */
  | { ok: true; session: SessionRecord; refreshToken: string | null }
  | { ok: false; code: 'UNAUTHENTICATED' }
  | { ok: false; code: 'SESSION_ENDED' | 'REFRESH_REUSED'; reason: SessionEndReason };

/** Why a session ended, as the sign-in page tells the person. */
export function endReason(session: SessionRecord, policy: Pick<SessionPolicy, 'idleTimeoutSeconds'>, now: number): SessionEndReason {
  if (session.revokedAt !== null) {
    switch (session.revokeReason) {
      case 'logout':
        return 'signed-out';
      case 'logout-everywhere':
      // Ended from the account page of another browser: "you signed out on another device".
      case 'ended-from-another-device':
        return 'signed-out-everywhere';
      case 'password-change':
        return 'password-changed';
      case 'user-disabled':
        return 'disabled';
      case 'refresh-token-reuse':
        return 'reused';
      default:
        return 'revoked';
    }
  }
  if (now >= session.absoluteExpiresAt) return 'absolute';
  if (now >= session.lastActiveAt + policy.idleTimeoutSeconds * 1000) return 'idle';
  return 'revoked';
}

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
  const graceMs = policy.refreshGraceSeconds * 1000;

  /** The token rotated away last, within the grace window, of a session still alive. */
  function withinGrace(s: SessionRecord, hash: string, now: number): boolean {
    return graceMs > 0 && s.retiredRefreshHashes[0] === hash && now - s.lastActiveAt <= graceMs && isLive(s, now);
  }

  function isLive(s: SessionRecord, now: number): boolean {
    return s.revokedAt === null && now < s.absoluteExpiresAt && now < s.lastActiveAt + policy.idleTimeoutSeconds * 1000;
  }

  return {
    isLive,

    /** How long a token of a session revoked now may still be accepted somewhere (its lifetime plus the clock tolerance). */
    tokenLifetimeMs,

    /** How long past a session's absolute expiry its tokens may still be accepted (the verifiers' clock tolerance). */
    clockToleranceMs: policy.clockToleranceSeconds * 1000,

    idleExpiresAt: (s: SessionRecord) => s.lastActiveAt + policy.idleTimeoutSeconds * 1000,

    /** `device`: where the sign-in came from; `amr`: how the person authenticated (default password only); `auth_time` is `now`. */
    async start(
      userId: string,
      now: number,
      device: SessionDevice = { userAgent: null, address: null },
      amr: readonly string[] = ['pwd'],
    ): Promise<{ session: SessionRecord; refreshToken: string }> {
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
        userAgent: device.userAgent,
        address: device.address,
        amr: [...amr],
        authTime: now,
      };
      await store.create(session);
      // Past the cap, the oldest live sessions end: a flood of successful
      // sign-ins cannot grow the store without bound.
      const live = (await store.listActiveForUser(userId, now)).filter((s) => isLive(s, now));
      const excess = live.length - (policy.maxSessionsPerUser ?? DEFAULT_SESSIONS_PER_USER);
      if (excess > 0) {
        const oldest = live.filter((s) => s.id !== session.id).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
        await store.revoke(oldest.slice(0, excess).map((s) => s.id), 'session-limit', now, tokenLifetimeMs);
      }
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
        if (withinGrace(session, hash, now)) return { ok: true, session, refreshToken: null };
        // A rotated-away token came back: it was copied. End the session for
        // everyone holding it, thief and owner alike.
        await store.revoke([session.id], 'refresh-token-reuse', now, tokenLifetimeMs);
        return { ok: false, code: 'REFRESH_REUSED', reason: 'reused' };
      }
      if (!isLive(session, now)) return { ok: false, code: 'SESSION_ENDED', reason: endReason(session, policy, now) };
      const next = newRefreshToken();
      const rotated = await store.rotate(session.id, hash, hashRefreshToken(next), now);
      if (rotated === 'stale') {
        // Another refresh with the same token won the race a moment ago (two
        // tabs, two instances): within the grace window that is one browser.
        const after = await store.get(session.id);
        if (after && withinGrace(after, hash, now)) return { ok: true, session: after, refreshToken: null };
        await store.revoke([session.id], 'refresh-token-reuse', now, tokenLifetimeMs);
        return { ok: false, code: 'REFRESH_REUSED', reason: 'reused' };
      }
      return { ok: true, session, refreshToken: next };
    },

    async revoke(ids: readonly string[], reason: string, now: number): Promise<string[]> {
      return store.revoke(ids, reason, now, tokenLifetimeMs);
    },

    /**
     * Revokes every session of the user that may still have a live token:
     * tokens expire at the latest at the session's absolute expiry (their
     * `exp` is capped there), and verifiers allow the clock tolerance past it.
     */
    async revokeAllForUser(userId: string, reason: string, now: number): Promise<string[]> {
      const active = await store.listActiveForUser(userId, now - policy.clockToleranceSeconds * 1000);
      return store.revoke(active.map((s) => s.id), reason, now, tokenLifetimeMs);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
