-- Human approvals: one row per request for a human decision, bound to the exact request by
-- request_hash. Updates are compare-and-set on version. JSON columns hold arrays/objects as text.
CREATE TABLE approvals (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('grant','call')),
  grant_id         TEXT NOT NULL REFERENCES grants (id),
  request_hash     TEXT NOT NULL,
  agent            TEXT NOT NULL,
  principal        TEXT,
  owner            TEXT NOT NULL,
  task_id          TEXT NOT NULL,
  resource         TEXT NOT NULL,
  actions          TEXT NOT NULL,
  intent           TEXT,
  tool             TEXT,
  arguments_digest TEXT,
  rules            TEXT NOT NULL,
  approvers        TEXT NOT NULL,
  decisions        TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending','approved','denied','used')),
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  decided_at       INTEGER,
  used_at          INTEGER,
  version          INTEGER NOT NULL
);

-- Approvers list what is waiting, newest first.
CREATE INDEX approvals_status ON approvals (status, created_at, id);
CREATE INDEX approvals_grant  ON approvals (grant_id);

-- Completed tasks stay closed: no grant is ever created for them again. agent '' closes the task
-- id for every agent (an admin ended it); otherwise only for that agent (it ended its own task).
CREATE TABLE closed_tasks (
  task_id   TEXT NOT NULL,
  agent     TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  PRIMARY KEY (task_id, agent)
);
