-- Groups and account deletion (issue 15, ADR 034). Additive only: instances
-- on the previous version keep running (they insert users without groups,
-- which default to none, and never read the deletions).

-- Groups an operator put the account in (npm run admin -- group add); the token's `groups`.
ALTER TABLE app1.users ADD COLUMN groups text[] NOT NULL DEFAULT '{}';

-- Account deletions in the revocation feed, keyed by sub. `cursor` is a value
-- of app1.revocation_clock, like revocations.revoked_at: every writer locks
-- the clock first, so feed cursors stay in commit order across both tables.
-- Kept until expires_at (SSO_DELETION_FEED_RETENTION), so a relying app that
-- was down catches up.
CREATE TABLE app1.deletions (
  cursor     bigint PRIMARY KEY,
  sub        text NOT NULL,
  deleted_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX deletions_expires_at_idx ON app1.deletions (expires_at);
