-- App 2 (relying): its own local users, keyed by the identity app's
-- (iss, sub). Schema app2 only; app 2 never reads app 1's schema.

CREATE TABLE app2.local_users (
  id           text PRIMARY KEY,
  iss          text NOT NULL,
  sub          text NOT NULL,
  username     text NOT NULL,
  email        text,
  name         text,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- Just-in-time provisioning is INSERT ... ON CONFLICT on this constraint:
  -- concurrent first requests on any number of instances yield one row.
  CONSTRAINT local_users_iss_sub_key UNIQUE (iss, sub)
);
