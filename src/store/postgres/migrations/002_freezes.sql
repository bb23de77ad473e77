-- Emergency stop (see src/store/sqlite/migrations/010_freezes.sql).
CREATE TABLE freezes (
  id         TEXT COLLATE "C" PRIMARY KEY,
  scope      TEXT NOT NULL,
  reason     TEXT NOT NULL,
  frozen_by  TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  lifted_at  BIGINT,
  lifted_by  TEXT
);
CREATE INDEX freezes_active ON freezes (created_at) WHERE lifted_at IS NULL;
