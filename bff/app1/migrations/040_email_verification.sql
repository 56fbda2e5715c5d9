-- Email verification and email change (ADR 030). Accounts that existed
-- before are unverified. A one-time token for an email link records the
-- address it confirms (email-verify: the account's current address, so a
-- link for an address changed since verifies nothing; email-change: the new
-- address, set only when the link is used).
ALTER TABLE app1.users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE app1.one_time_tokens ADD COLUMN email text;
