import { useQueryClient } from '@tanstack/react-query';
import { flushSync } from 'react-dom';
import { useLocation, useNavigate } from 'react-router';
import { logout } from '@sso/web-shared';
import { config } from '../../../config/env';
import { sessionQueryOptions } from './get-session';
import { useRequest } from './use-request';

/** The sign-in page's router state after a sign-out in this tab, so it can say so. */
export interface SignedOutState {
  signedOut: true;
  /** After "sign out everywhere": how many other sessions (devices) it ended. */
  otherDevices?: number;
}

/** The router state of a sign-out in this tab, or null. */
export function signedOutState(state: unknown): SignedOutState | null {
  return typeof state === 'object' && state !== null && (state as Partial<SignedOutState>).signedOut === true ? (state as SignedOutState) : null;
}

/** True when the router state says this tab just signed out. */
export function isSignedOutState(state: unknown): boolean {
  return signedOutState(state) !== null;
}

/**
 * POST /api/logout (optionally every session of the user), then the sign-in
 * page (keeping its returnTo when already there), told in router state that
 * this was a sign-out. Hook-level callbacks: they run even if the button's
 * page unmounts meanwhile. On the first page (the header's button), hence
 * useRequest rather than useMutation (ADR 031).
 */
export function useLogout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  return useRequest((variables: { everywhere?: boolean }) => logout(config.identityOrigin, variables.everywhere), {
    onSuccess: (res, variables) => {
      queryClient.setQueryData(sessionQueryOptions().queryKey, null);
      // flushSync: the sign-in page renders at once, before the cleared session
      // re-renders the account page, whose own redirect to /login has no state
      // (the router's navigations are plain state updates, ADR 031).
      // revokedSessions counts this session too.
      const state: SignedOutState = variables.everywhere ? { signedOut: true, otherDevices: Math.max(0, res.revokedSessions - 1) } : { signedOut: true };
      flushSync(() => void navigate({ pathname: '/login', search: pathname === '/login' ? search : '' }, { replace: true, state }));
    },
  });
}
