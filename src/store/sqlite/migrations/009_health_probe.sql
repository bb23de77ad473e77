-- One row that readiness probes overwrite: a write that needs room in the database, so a store
-- that can still read but can no longer write (a full disk, a read-only volume) reports not ready.
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
