-- Risk levels raised by signals or set by admins, per agent or principal. Every policy decision
-- reads it by primary key; absent means "nothing recorded" (agents then have their registered
-- level, principals `low`).
CREATE TABLE risk_levels (
  kind       TEXT NOT NULL CHECK (kind IN ('agent', 'principal')),
  subject    TEXT NOT NULL,
  level      TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high')),
  reason     TEXT NOT NULL,
  set_by     TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, subject)
) WITHOUT ROWID;

-- Security Event Tokens already received, by (issuer, jti), kept until a replay would be refused
-- as too old anyway.
CREATE TABLE signal_jtis (
  issuer     TEXT NOT NULL,
  jti        TEXT NOT NULL,
  keep_until INTEGER NOT NULL,
  PRIMARY KEY (issuer, jti)
) WITHOUT ROWID;
CREATE INDEX signal_jtis_keep_until ON signal_jtis (keep_until);

-- Verified emails of principals as seen at exchange, so a signal naming an email finds them.
CREATE TABLE principal_emails (
  email     TEXT NOT NULL,
  principal TEXT NOT NULL,
  seen_at   INTEGER NOT NULL,
  PRIMARY KEY (email, principal)
) WITHOUT ROWID;
