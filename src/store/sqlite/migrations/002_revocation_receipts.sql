-- Which revocation revoked a grant (NULL for single revocations and task completion), and per
-- revocation a running count of what it revoked, grouped by what decides a receipt, so its
-- progress can be read without counting its grants again (a mass revocation may have 100,000).
ALTER TABLE grants ADD COLUMN revoked_by TEXT;
-- Pages through one revocation's grants for its per-grant receipts, newest first.
CREATE INDEX grants_revoked_by ON grants (revoked_by, created_at, id) WHERE revoked_by IS NOT NULL;
CREATE INDEX revocation_jobs_grant ON revocation_jobs (grant_id);

CREATE TABLE revocation_tallies (
  revocation_id TEXT NOT NULL REFERENCES revocations (id),
  provider      TEXT NOT NULL,
  resource      TEXT NOT NULL,
  token_type    TEXT NOT NULL,
  with_lease    INTEGER NOT NULL,
  grants        INTEGER NOT NULL,
  latest_expiry INTEGER NOT NULL,
  PRIMARY KEY (revocation_id, provider, resource, token_type, with_lease)
);
