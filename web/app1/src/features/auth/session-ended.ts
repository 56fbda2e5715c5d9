import { SESSION_END_REASONS, type SessionEndReason } from '@sso/types';

/** The `ended` query parameter, if it names a reason we know. */
export function parseEnded(value: string | null): SessionEndReason | null {
  return (SESSION_END_REASONS as readonly string[]).includes(value ?? '') ? (value as SessionEndReason) : null;
}
