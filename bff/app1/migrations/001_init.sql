-- App 1 (identity): users, server sessions, retired refresh hashes, the
-- revocation feed and shared login-throttle counters. Everything lives in
-- schema app1; app 2 never reads it. Times the application compares (session
-- lifetimes, feed entries) are epoch milliseconds (bigint) supplied by the
-- app, exactly as in the lowdb store; account timestamps are timestamptz.

CREATE TABLE app1.users (
  id            text PRIMARY KEY,            -- the token's sub; opaque, never the username
  username      text NOT NULL,               -- normalized (NFKC, trimmed, lower-case)
  email         text,
  name          text,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz
);
-- One account per username, across every instance: sign-up relies on it.
CREATE UNIQUE INDEX users_username_key ON app1.users (username);

CREATE TABLE app1.sessions (
  id                  text PRIMARY KEY,      -- the token's sid
  user_id             text NOT NULL REFERENCES app1.users (id),
  created_at          bigint NOT NULL,
  last_active_at      bigint NOT NULL,
  absolute_expires_at bigint NOT NULL,
  refresh_hash        text NOT NULL,         -- SHA-256 of the current refresh token
  revoked_at          bigint,
  revoke_reason       text
);
CREATE UNIQUE INDEX sessions_refresh_hash_key ON app1.sessions (refresh_hash);
CREATE INDEX sessions_user_active_idx ON app1.sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_absolute_expires_at_idx ON app1.sessions (absolute_expires_at);

-- Refresh hashes rotated away. Seeing one again means the token was copied:
-- the session is revoked (reuse detection). Kept for the session's life.
CREATE TABLE app1.retired_refresh_hashes (
  hash       text PRIMARY KEY,
  session_id text NOT NULL REFERENCES app1.sessions (id) ON DELETE CASCADE,
  seq        bigserial NOT NULL              -- newest first when listed
);
CREATE INDEX retired_refresh_hashes_session_idx ON app1.retired_refresh_hashes (session_id, seq DESC);

-- The revocation feed. revoked_at is the feed cursor: a clock value (ms) kept
-- strictly increasing by revocation_clock, which every revoking transaction
-- locks first. So cursors are handed out in commit order and a poller that
-- saw cursor N can never later find an entry below N (a sequence could:
-- transactions commit in any order).
CREATE TABLE app1.revocations (
  revoked_at bigint PRIMARY KEY,
  sid        text NOT NULL,
  expires_at bigint NOT NULL                 -- no token of the session outlives this
);
CREATE INDEX revocations_expires_at_idx ON app1.revocations (expires_at);

CREATE TABLE app1.revocation_clock (
  id   boolean PRIMARY KEY DEFAULT true CHECK (id),
  last bigint NOT NULL
);
INSERT INTO app1.revocation_clock (id, last) VALUES (true, 0);

-- Failed sign-in counters shared by every instance (rate-limiter-flexible's
-- RateLimiterPostgres layout; created here so no instance races to create it).
CREATE TABLE app1.login_throttle (
  key    text PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX login_throttle_expire_idx ON app1.login_throttle (expire);
