-- Identity tokens of a subject issued before this instant (epoch ms) are refused: set when a
-- signal says the subject's sessions or credentials are gone (CAEP session-revoked, RISC
-- account-disabled or credential-compromise). It only ever moves forward.
ALTER TABLE risk_levels ADD COLUMN tokens_not_before INTEGER;
