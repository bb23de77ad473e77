-- Audit retention, as SQLite's 011_audit_checkpoints.sql: only a prefix the checkpoints cover may
-- leave audit_events, and only through pruneAudit.
CREATE TABLE audit_checkpoints (
  seq_to      BIGINT PRIMARY KEY,
  seq_from    BIGINT NOT NULL UNIQUE,
  count       BIGINT NOT NULL,
  prev_hash   TEXT NOT NULL,
  head_hash   TEXT NOT NULL,
  time_from   BIGINT NOT NULL,
  time_to     BIGINT NOT NULL,
  exported_to TEXT NOT NULL,
  jws         TEXT NOT NULL,
  pruned_at   BIGINT NOT NULL,
  CHECK (count = seq_to - seq_from + 1)
);
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only'; END $$;
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();

-- A row delete inside the checkpointed prefix passes; everything else stays refused. The
-- function keeps the schema it was created in, whatever search_path the deleting session has.
CREATE FUNCTION audit_events_prune_only() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF OLD.seq <= (SELECT coalesce(max(seq_to), 0) FROM audit_checkpoints) THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END $$;
DROP TRIGGER audit_events_no_change ON audit_events;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_prune_only();
