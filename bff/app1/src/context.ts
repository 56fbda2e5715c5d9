import type { Logger } from 'pino';
import type { KeySet, SessionReader, TokenSigner } from '@sso/session';
import type { App1Config } from './config';
import type { Mailer } from './mail/mailer';
import type { App1Metrics } from './metrics';
import type { BackgroundTasks } from './recovery/background';
import type { OneTimeTokens } from './recovery/one-time-tokens';
import type { RecoveryThrottle } from './recovery/recovery-throttle';
import type { EmailThrottle } from './recovery/email-throttle';
import type { App1Cookies } from './sessions/cookies';
import type { SessionService } from './sessions/session-service';
import type { SessionStore } from './sessions/session-store';
import type { DeviceCookies } from './users/device-cookie';
import type { LoginThrottle } from './users/login-throttle';
import type { PasswordHasher } from './users/passwords';
import type { UserStore } from './users/user-store';
import type { PendingSignIns } from './mfa/pending-sign-in';
import type { SecondFactorStore } from './mfa/second-factor-store';
import type { SecondFactorThrottle } from './mfa/second-factor-throttle';
import type { SecretBox } from './mfa/secret-box';
import type { PasskeyStore } from './passkeys/passkey-store';

/** What the routes of BFF 1 work with; built once in createApp. */
export interface App1Context {
  config: App1Config;
  logger: Logger;
  users: UserStore;
  sessionStore: SessionStore;
  sessions: SessionService;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  /** Marks browsers that signed in to an account before (sign-in limits, OWASP device cookies). */
  devices: DeviceCookies;
  signer: TokenSigner;
  keys: KeySet | null;
  reader: SessionReader;
  cookies: App1Cookies;
  now: () => number;
  /** TOTP factors and recovery codes. */
  secondFactors: SecondFactorStore;
  /** Seals TOTP secrets at rest. */
  secretBox: SecretBox;
  /** Sign-ins waiting for their second factor (a host-only cookie). */
  pendingSignIns: PendingSignIns;
  secondFactorThrottle: SecondFactorThrottle;
  /** Passkeys (WebAuthn credentials) and the challenges of ceremonies in progress. */
  passkeys: PasskeyStore;
  /** Sends in the background (file outbox or SMTP); never delays an answer. */
  mailer: Mailer;
  /** Reset links: single use, stored hashed. */
  oneTimeTokens: OneTimeTokens;
  recoveryThrottle: RecoveryThrottle;
  /** Work done after the answer was sent ("forgot password"). */
  background: BackgroundTasks;
  /** Null when metrics are off (APP1_METRICS_PORT unset): nothing is counted. */
  metrics: App1Metrics | null;
  /** Verification resends and email changes (ADR 030). */
  emailThrottle: EmailThrottle;
  /** The "check your inbox" step with SSO_REQUIRE_VERIFIED_EMAIL: password passed, address not verified, no session (a host-only cookie). */
  pendingVerifications: PendingSignIns;
}
