-- The token's email_verified claim, kept with the other claims (ADR 030).
-- Users seen before are unverified until their next token says otherwise.
ALTER TABLE app2.local_users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
