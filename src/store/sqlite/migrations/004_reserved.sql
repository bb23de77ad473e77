-- Placeholder: version 4 belongs to another branch (per-call credentials). When merging, keep
-- that branch's 004 and delete this file. It changes nothing.
SELECT 1;
