-- Second factors (issue 14): TOTP (the secret sealed with AES-256-GCM under a
-- key in DATA_DIR, never plain), recovery codes (SHA-256 of each unused code),
-- and how each session was authenticated (the token's amr and auth_time).
-- Additive only: instances on the previous version keep running.

CREATE TABLE app1.totp_factors (
  user_id        text PRIMARY KEY REFERENCES app1.users (id) ON DELETE CASCADE,
  sealed_secret  text NOT NULL,
  created_at     timestamptz NOT NULL,
  confirmed_at   timestamptz,                -- null until a first code proved the app has it
  last_used_step bigint                      -- codes of this step and older are refused (replay)
);

CREATE TABLE app1.recovery_codes (
  user_id    text NOT NULL REFERENCES app1.users (id) ON DELETE CASCADE,
  hash       text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, hash)
);

-- Null for sessions started before this migration: read as password only, at creation.
ALTER TABLE app1.sessions ADD COLUMN amr text[];
ALTER TABLE app1.sessions ADD COLUMN auth_time bigint;
