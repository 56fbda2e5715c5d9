import { Alert } from '@sso/web-shared';
import type { SessionEndReason } from '@sso/types';
import { config } from '../../../config/env';

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}

/** One line on the sign-in form saying why the session ended. */
export function sessionEndedMessage(reason: SessionEndReason, policy: { idleTimeoutSeconds?: number; absoluteTimeoutSeconds?: number }): string {
  switch (reason) {
    case 'idle':
      return policy.idleTimeoutSeconds
        ? `You were signed out after ${duration(policy.idleTimeoutSeconds)} without activity.`
        : 'You were signed out after a while without activity.';
    case 'absolute':
      return policy.absoluteTimeoutSeconds
        ? `Your session reached its ${duration(policy.absoluteTimeoutSeconds)} limit. Sign in again to continue.`
        : 'Your session reached its time limit. Sign in again to continue.';
    case 'signed-out':
      return 'You signed out.';
    case 'signed-out-everywhere':
      return 'You signed out on another device.';
    case 'password-changed':
      return 'Your password was changed, so every device was signed out.';
    case 'disabled':
      return 'Your account is disabled. Contact your administrator.';
    case 'reused':
      return 'For your safety you were signed out everywhere: your session was used from two places at once.';
    case 'revoked':
      return 'Your session was ended. Sign in again to continue.';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** One line on the sign-in form saying why the session ended. Loaded only when there is one. */
export function SessionEndedNotice({ reason }: { reason: SessionEndReason }) {
  return <Alert tone="info">{sessionEndedMessage(reason, config)}</Alert>;
}
