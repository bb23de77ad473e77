-- The upstream credential's own expiry, which an upstream may set later than the grant's
-- (AWS STS issues no less than 15 minutes; an OAuth server picks its own lifetimes).
ALTER TABLE grants ADD COLUMN credential_expires_at INTEGER;
