import { queryOptions, useQuery } from '@tanstack/react-query';
import { SessionResponseSchema, type SessionEndReason, type SignedInSession } from '@sso/types';
import { apiRequest, isSignedOutError, sessionEndReason, withSessionRefresh } from '@sso/web-shared';
import { config } from '../../../config/env';

let lastEnd: SessionEndReason | null = null;

/**
 * GET /api/session. A browser with no session cookie at all gets `{ user:
 * null }` at once (nothing to renew, so no refresh call and no failed
 * request). Any other answer without a valid token is a 401, and it renews
 * first (the refresh cookie outlives the token), so a live session never
 * looks signed out. `null` means signed out; `sessionEndedBecause()` then
 * says why, if known.
 */
export async function getSession(): Promise<SignedInSession | null> {
  try {
    const { user, session } = await withSessionRefresh(config.identityOrigin, () => apiRequest({ url: '/api/session', schema: SessionResponseSchema }));
    lastEnd = null;
    return user && session ? { user, session } : null;
  } catch (err) {
    if (isSignedOutError(err)) {
      lastEnd = sessionEndReason(err);
      return null;
    }
    throw err;
  }
}

/** Why the last session check found the session over (idle, signed out elsewhere, ...), or null. */
export function sessionEndedBecause(): SessionEndReason | null {
  return lastEnd;
}

export const sessionQueryOptions = () => queryOptions({ queryKey: ['session'], queryFn: getSession });

export const useSession = () => useQuery(sessionQueryOptions());

/** Remembers why the session ended (the keep-alive learned it), for the sign-in page. */
export function noteSessionEnded(reason: SessionEndReason | null): void {
  lastEnd = reason;
}
