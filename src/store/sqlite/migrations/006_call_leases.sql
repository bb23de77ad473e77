-- Upstream credentials issued for gateway calls (POST /v1/credentials), several per grant over its
-- life. A row is written before the provider is called (lease NULL, issued_at NULL), so a crash
-- in between leaves a row that revoking or expiring the grant still turns into a revocation job.
CREATE TABLE call_leases (
  id          TEXT PRIMARY KEY,
  grant_id    TEXT NOT NULL REFERENCES grants (id),
  provider    TEXT NOT NULL,
  action      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  issued_at   INTEGER,
  lease       TEXT,
  fingerprint TEXT,
  expires_at  INTEGER
);
CREATE INDEX call_leases_grant ON call_leases (grant_id);
