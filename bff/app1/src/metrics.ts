import type { BffMetrics } from '@sso/bff-common';
import type { Counter } from 'prom-client';
import type { PasswordHasher } from './users/passwords';

/** How a sign-in attempt ended (`POST /api/login` and `POST /api/login/second-factor`). */
export type SignInOutcome = 'success' | 'invalid_credentials' | 'throttled' | 'second_factor_required' | 'second_factor_success' | 'second_factor_failure';

/** How a renewal ended (`POST /api/session/refresh`, `GET /login` renewing silently). */
export type RefreshOutcome = 'rotated' | 'renewed' | 'unauthenticated' | 'ended' | 'reused' | 'disabled';

/** App 1's own metrics (ADR 035), beside the HTTP, store and process metrics every BFF has. */
export interface App1Metrics {
  readonly base: BffMetrics;
  readonly signIns: Counter<'outcome'>;
  readonly refreshes: Counter<'outcome'>;
  /** A rotated-away refresh token came back: the session was revoked (theft detection, ADR 001). */
  readonly refreshReuse: Counter;
}

export function createApp1Metrics(base: BffMetrics, hasher: PasswordHasher): App1Metrics {
  base.gauge('sso_bcrypt_queue_depth', 'Password hashes and checks waiting for a bcrypt worker thread (past 256, sign-ins are answered 429).', () => hasher.queueSize());
  return {
    base,
    signIns: base.counter('sso_sign_ins_total', 'Sign-in attempts by outcome (a password, then a second factor when enrolled).', ['outcome']),
    refreshes: base.counter('sso_session_refreshes_total', 'Session renewals by outcome: rotated (new refresh token), renewed (grace window, no rotation), or why it failed.', ['outcome']),
    refreshReuse: base.counter('sso_refresh_reuse_detected_total', 'Refresh tokens presented after they were rotated away: each revoked its session.'),
  };
}
