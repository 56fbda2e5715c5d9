/**
 * A sentence for a failed passkey ceremony: the browser's refusals
 * (WebAuthn DOMExceptions, which @simplewebauthn/browser passes on with a
 * `name` or as `cause`) or BFF 1's codes. It imports nothing: the sign-in
 * page loads it only after a failure, and a module shared with the first
 * page would make the bundler split that page into more chunks.
 */
export function describePasskeyError(err: unknown): string {
  const e = (err ?? {}) as { name?: string; code?: string; cause?: { name?: string }; problem?: { detail?: string; retryAfter?: number } | null };
  if (e.name === 'ApiError') {
    switch (e.code) {
      case 'PASSKEY_CHALLENGE_INVALID':
        return 'That took too long, or the request was used already. Try again.';
      case 'PASSKEY_REFUSED':
        return 'That passkey was not accepted here. Try another passkey, or use your password.';
      case 'SECOND_FACTOR_CONFLICT':
        return e.problem?.detail ?? 'That passkey cannot be added.';
      case 'SECOND_FACTOR_EXPIRED':
        return 'This sign-in is over (it took too long). Sign in again.';
      case 'UNAUTHENTICATED':
      case 'SESSION_EXPIRED':
        return 'Your session has ended. Sign in again.';
      case 'RATE_LIMITED': {
        const seconds = e.problem?.retryAfter;
        return seconds ? `Too many attempts. Try again in ${seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}.` : 'Too many attempts. Try again in a little while.';
      }
      case 'NETWORK_ERROR':
        return "Can't reach the server. Check your connection and try again.";
      default:
        return 'Something went wrong on our side. Try again.';
    }
  }
  switch (e.cause?.name ?? e.name) {
    case 'NotAllowedError':
      return 'The passkey request was cancelled or timed out. Try again when you are ready.';
    case 'InvalidStateError':
      return 'This device already has a passkey for this account.';
    case 'SecurityError':
      return 'This browser refused to use a passkey on this address.';
    case 'NotSupportedError':
      return 'This browser or device cannot use this kind of passkey.';
    default:
      return typeof window !== 'undefined' && !('PublicKeyCredential' in window) ? 'This browser does not support passkeys.' : 'The passkey could not be used. Try again.';
  }
}
