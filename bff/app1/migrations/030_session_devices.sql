-- "Your devices": where each session was started (the User-Agent, capped by
-- the app, and the client address as seen through TRUST_PROXY). Null for
-- sessions started before this migration.
ALTER TABLE app1.sessions ADD COLUMN user_agent text;
ALTER TABLE app1.sessions ADD COLUMN address text;
