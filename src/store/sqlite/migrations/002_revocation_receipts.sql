-- Which revocation revoked a grant (NULL for single revocations and task completion), so a
-- mass revocation can report per-grant outcomes, and the open upstream jobs per grant.
ALTER TABLE grants ADD COLUMN revoked_by TEXT;
CREATE INDEX grants_revoked_by ON grants (revoked_by) WHERE revoked_by IS NOT NULL;
CREATE INDEX revocation_jobs_grant ON revocation_jobs (grant_id);
