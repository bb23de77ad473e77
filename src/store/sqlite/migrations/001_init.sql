-- Grants: one row per decision. JSON columns hold arrays/objects as text.
CREATE TABLE grants (
  id                     TEXT PRIMARY KEY,
  status                 TEXT NOT NULL CHECK (status IN ('pending_approval','issuing','active','revoked','expired','denied','failed')),
  agent                  TEXT NOT NULL,
  owner                  TEXT NOT NULL,
  principal              TEXT,
  act                    TEXT,
  task_id                TEXT NOT NULL,
  resource               TEXT NOT NULL,
  provider               TEXT NOT NULL,
  actions                TEXT NOT NULL,
  scope                  TEXT NOT NULL,
  intent                 TEXT,
  policy_ids             TEXT NOT NULL,
  approval               TEXT,
  token_type             TEXT NOT NULL,
  parent_grant_id        TEXT,
  created_at             INTEGER NOT NULL,
  expires_at             INTEGER NOT NULL,
  issued_at              INTEGER,
  revoked_at             INTEGER,
  status_reason          TEXT,
  lease                  TEXT,
  credential_fingerprint TEXT
);

-- The sweeper, and revocations by anything but task, agent or principal, walk live grants by status.
CREATE INDEX grants_status_expires ON grants (status, expires_at);

-- Inventory listing: newest first, keyset-paged on (created_at, id), per filter column.
CREATE INDEX grants_created   ON grants (created_at, id);
CREATE INDEX grants_agent     ON grants (agent, created_at, id);
CREATE INDEX grants_principal ON grants (principal, created_at, id);
CREATE INDEX grants_owner     ON grants (owner, created_at, id);
CREATE INDEX grants_task      ON grants (task_id, created_at, id);
CREATE INDEX grants_resource  ON grants (resource, created_at, id);
CREATE INDEX grants_provider  ON grants (provider, created_at, id);

-- Revoking by agent or principal (a compromised agent, a departed or compromised person) must
-- stay fast however much history the table holds. These partial indexes hold live grants only,
-- so a revocation never wades through revoked and expired rows, and a row leaves them as it is
-- revoked. Each costs every revocation a little, so only these two keys have one; filter-sql.ts
-- says how the other keys are reached. The WHERE text must stay identical to LIVE_SQL there:
-- SQLite only uses a partial index for a query that repeats its condition.
CREATE INDEX grants_live_agent     ON grants (agent)     WHERE status IN ('pending_approval','issuing','active');
CREATE INDEX grants_live_principal ON grants (principal) WHERE status IN ('pending_approval','issuing','active');

CREATE UNIQUE INDEX grants_fingerprint ON grants (credential_fingerprint) WHERE credential_fingerprint IS NOT NULL;

-- The hash-chained audit log. seq is the rowid; canonical.ts defines what each hash covers.
CREATE TABLE audit_events (
  seq        INTEGER PRIMARY KEY,
  time       INTEGER NOT NULL,
  type       TEXT NOT NULL,
  request_id TEXT,
  agent      TEXT,
  principal  TEXT,
  act        TEXT,
  task_id    TEXT,
  grant_id   TEXT,
  resource   TEXT,
  scope      TEXT,
  actions    TEXT NOT NULL,
  decision   TEXT,
  policy_ids TEXT NOT NULL,
  reason     TEXT,
  detail     TEXT,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);

-- The application never rewrites history; anyone who wants to must first drop these,
-- and verification still catches what they did.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- The last event's seq and hash, kept beside the chain so a deleted tail is detectable.
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);

CREATE TABLE revocations (
  id            TEXT PRIMARY KEY,
  filter        TEXT NOT NULL,
  reason        TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  block         INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  revoked_count INTEGER NOT NULL
);
CREATE INDEX revocations_unfinished ON revocations (created_at) WHERE finished_at IS NULL;

CREATE TABLE blocks (
  kind          TEXT NOT NULL CHECK (kind IN ('agent','principal')),
  subject       TEXT NOT NULL,
  revocation_id TEXT NOT NULL REFERENCES revocations (id),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (kind, subject, revocation_id)
);

CREATE TABLE revocation_jobs (
  id              INTEGER PRIMARY KEY,
  grant_id        TEXT NOT NULL REFERENCES grants (id),
  provider        TEXT NOT NULL,
  lease           TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL
);
CREATE INDEX revocation_jobs_due ON revocation_jobs (next_attempt_at, id);
