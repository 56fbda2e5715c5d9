-- Passkeys (issue 14, ADR 033): WebAuthn credentials (public keys only) and
-- the challenges of ceremonies in progress (single use, short-lived).
-- Additive only: instances on the previous version keep running.

CREATE TABLE app1.passkeys (
  id           text PRIMARY KEY,               -- the credential id, base64url: unique across accounts
  user_id      text NOT NULL REFERENCES app1.users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  public_key   text NOT NULL,                  -- COSE key, base64url
  counter      bigint NOT NULL,                -- signature counter at the last use (0: the authenticator keeps none)
  transports   text[] NOT NULL,
  device_type  text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up    boolean NOT NULL,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX passkeys_user_id ON app1.passkeys (user_id, created_at);

CREATE TABLE app1.passkey_challenges (
  key        text PRIMARY KEY,                 -- '<purpose>:<binding>' (session id, pending sign-in id, cookie hash)
  challenge  text NOT NULL,
  user_id    text,                             -- null: a sign-in with no username
  expires_at bigint NOT NULL                   -- ms since epoch
);
CREATE INDEX passkey_challenges_expires_at ON app1.passkey_challenges (expires_at);
