import type { Router } from 'express';
import { groupsOf, sessionOf, type SessionReader } from '@sso/session';
import type { MeResponse } from '@sso/types';
import type { LocalUserStore } from '../users/local-user-store';

/**
 * GET /api/me: the local user for the domain session, created on first sight.
 * Added to the API router itself, not returned as a router of its own: it is
 * BFF 2's hot path, and a nested router costs one more dispatch per request.
 */
export function addMeRoutes(api: Router, deps: { reader: SessionReader; users: LocalUserStore; now: () => number }): void {
  // An API route: fetch callers get 401 with a code, never a redirect.
  api.get('/me', deps.reader.requireSession({ redirect: 'never' }), async (req, res) => {
    const claims = sessionOf(res);
    const { user, created } = await deps.users.upsert(
      { iss: claims.iss, sub: claims.sub, username: claims.preferred_username, email: claims.email, emailVerified: claims.email_verified, name: claims.name },
      deps.now(),
    );
    if (created) req.log.info({ event: 'provision', localUserId: user.id, sub: claims.sub }, 'audit');
    const { id, sub, username, email, emailVerified, name, createdAt, lastSeenAt } = user;
    res.json({
      user: { id, sub, username, email, emailVerified, name, createdAt, lastSeenAt },
      groups: [...groupsOf(claims)],
      tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
    } satisfies MeResponse);
  });
}
