-- Grants derived from another (a sub-agent's, by re-exchange) that are still live, by parent:
-- revoking a parent revokes them too, and a sweep finds any a crash left behind. Partial, so it
-- holds only live children and stays small however much history the table keeps.
CREATE INDEX grants_live_children ON grants (parent_grant_id) WHERE parent_grant_id IS NOT NULL AND status IN ('pending_approval','issuing','active');
