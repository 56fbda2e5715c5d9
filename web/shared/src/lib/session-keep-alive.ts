import { useEffect } from 'react';
import { isSignedOutError, refreshSessionOnce } from './session-api';

/**
 * The keep-alive of an open tab, apart from session-api.ts so that a page
 * that never stays open (the sign-in form) does not load it.
 */

/** Renew this long before the token expires: a fifth of its remaining life, between 5 s and 60 s. */
export function renewalLead(remainingMs: number): number {
  return Math.min(60_000, Math.max(5_000, remainingMs / 5));
}

/**
 * Keeps an open tab's session alive: renews shortly before `tokenExpiresAt`
 * (one renewal per origin across tabs), and at once when a sleeping laptop
 * or a hidden tab wakes up past that moment. `onRenewed` gets the new
 * expiry; `onEnded` the error when the session is over.
 */
export function useSessionKeepAlive(options: {
  identityOrigin: string;
  tokenExpiresAt: string | null | undefined;
  onRenewed: (tokenExpiresAt: string) => void;
  onEnded: (err: unknown) => void;
}): void {
  const { identityOrigin, tokenExpiresAt, onRenewed, onEnded } = options;
  useEffect(() => {
    if (!tokenExpiresAt) return;
    const expiresAt = Date.parse(tokenExpiresAt);
    const learnedAt = Date.now();
    const dueAt = expiresAt - renewalLead(expiresAt - learnedAt);
    let done = false;
    const renew = () => {
      if (done) return;
      done = true;
      refreshSessionOnce(identityOrigin, learnedAt).then(onRenewed, (err: unknown) => {
        if (isSignedOutError(err)) onEnded(err);
        else {
          // Network trouble: try again shortly (the token may still be good).
          done = false;
          timer = setTimeout(renew, 5_000);
        }
      });
    };
    let timer = setTimeout(renew, Math.max(0, dueAt - Date.now()));
    // Timers do not run while a laptop sleeps: catch up when the tab is seen again.
    const wake = () => {
      if (document.visibilityState === 'visible' && Date.now() >= dueAt) renew();
    };
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('online', wake);
    window.addEventListener('focus', wake);
    return () => {
      done = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('online', wake);
      window.removeEventListener('focus', wake);
    };
  }, [identityOrigin, tokenExpiresAt, onRenewed, onEnded]);
}

