-- One-time tokens (password reset links): only the SHA-256 of a token is
-- stored. A newer token voids the older unused ones of the same user and
-- purpose; a used token is kept until it expires so a second use is told
-- "used". Times are epoch milliseconds supplied by the app, as for sessions.
CREATE TABLE app1.one_time_tokens (
  hash       text PRIMARY KEY,
  purpose    text NOT NULL,
  user_id    text NOT NULL REFERENCES app1.users (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  used_at    bigint
);
CREATE INDEX one_time_tokens_user_idx ON app1.one_time_tokens (user_id, purpose);
CREATE INDEX one_time_tokens_expires_at_idx ON app1.one_time_tokens (expires_at);

-- "Forgot password" by address looks accounts up by email, case-insensitively.
CREATE INDEX users_email_lower_idx ON app1.users (lower(email));
