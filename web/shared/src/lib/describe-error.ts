import { isApiError } from './api-error';

/** A sentence a person can act on, from an API failure's stable code. */
export function describeError(err: unknown): string {
  if (!isApiError(err)) return 'Something went wrong. Try again.';
  switch (err.code) {
    case 'INVALID_CREDENTIALS':
      return "That username and password don't match. Check them and try again.";
    case 'USERNAME_TAKEN':
      return 'That username is taken. Choose another, or sign in if it is yours.';
    case 'RATE_LIMITED': {
      const seconds = err.problem?.retryAfter;
      return seconds ? `Too many attempts. Try again in ${formatSeconds(seconds)}.` : 'Too many attempts. Try again in a little while.';
    }
    case 'VALIDATION_FAILED':
      return 'Some fields need attention.';
    case 'NETWORK_ERROR':
      return "Can't reach the server. Check your connection and try again.";
    case 'IDENTITY_UNAVAILABLE':
      return 'The sign-in service is not answering right now. Try again in a moment.';
    case 'STORE_UNAVAILABLE':
      return 'We could not save that just now. Try again in a moment.';
    case 'FORBIDDEN_ORIGIN':
      return 'This page is not allowed to make that request. Open the app from its own address.';
    case 'UNAUTHENTICATED':
    case 'SESSION_EXPIRED':
    case 'REFRESH_REUSED':
      return 'Your session has ended. Sign in again.';
    default:
      return 'Something went wrong on our side. Try again.';
  }
}

function formatSeconds(total: number): string {
  if (total < 60) return `${total} second${total === 1 ? '' : 's'}`;
  const minutes = Math.ceil(total / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
