-- Emergency stop: while a freeze is active (lifted_at NULL) no credential is issued for what its
-- scope names (JSON: agent, owner, resource, provider; empty = everything). Rows are kept once
-- lifted, as the record of who stopped what, when and why.
CREATE TABLE freezes (
  id         TEXT PRIMARY KEY,
  scope      TEXT NOT NULL,
  reason     TEXT NOT NULL,
  frozen_by  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  lifted_at  INTEGER,
  lifted_by  TEXT
);
CREATE INDEX freezes_active ON freezes (created_at) WHERE lifted_at IS NULL;
