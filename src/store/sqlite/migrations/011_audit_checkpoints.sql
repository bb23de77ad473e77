-- Audit retention. A checkpoint closes a segment of the chain (seqs seq_from..seq_to): its count,
-- the hash before it and its last hash, signed as a JWS by Tollgate's key so an archive can be
-- checked offline. Only a prefix the checkpoints cover may leave audit_events, and only through
-- pruneAudit, which records the checkpoint, deletes the prefix and appends audit.pruned at once.
CREATE TABLE audit_checkpoints (
  seq_to     INTEGER PRIMARY KEY,
  seq_from   INTEGER NOT NULL UNIQUE,
  count      INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL,
  head_hash  TEXT NOT NULL,
  time_from  INTEGER NOT NULL,
  time_to    INTEGER NOT NULL,
  exported_to TEXT NOT NULL,
  jws        TEXT NOT NULL,
  pruned_at  INTEGER NOT NULL,
  CHECK (count = seq_to - seq_from + 1)
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Deleting stays refused past the newest checkpoint: what no checkpoint covers is the live chain.
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > (SELECT coalesce(max(seq_to), 0) FROM audit_checkpoints)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
