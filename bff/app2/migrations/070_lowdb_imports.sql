-- `npm run db:import` (ADR 035): one row per import of the lowdb files
-- (app2.json and its journals) into this schema. The fingerprint is the
-- SHA-256 of the records imported, so running the same import again finds
-- its row and changes nothing.
CREATE TABLE app2.lowdb_imports (
  fingerprint text PRIMARY KEY,
  imported_at timestamptz NOT NULL DEFAULT now(),
  merged      boolean NOT NULL,               -- run with --merge into a schema that held other records
  counts      jsonb NOT NULL                  -- what was carried, by record kind
);
