import { REVOCATION_COLUMNS } from './sqlite/revocation-rows.ts';

// Plain SQL for the lists a console or an operator reads, and for lifting blocks, shared by every
// engine (SQLite, D1, PostgreSQL): `?` placeholders, no engine-specific syntax.

/** Blocks in force, newest first. */
export const LIST_BLOCKS_SQL = 'SELECT kind, subject, revocation_id, created_at FROM blocks ORDER BY created_at DESC, subject, revocation_id LIMIT ?';

export const COUNT_BLOCKS_SQL = 'SELECT count(*) AS n FROM blocks WHERE kind = ? AND subject = ?';

/** Every block on one agent or principal, whichever revocation imposed it. */
export const DELETE_BLOCKS_SQL = 'DELETE FROM blocks WHERE kind = ? AND subject = ?';

/** Mass revocations, newest first (the table holds one row per request, not per grant). */
export const LIST_REVOCATIONS_SQL = `SELECT ${REVOCATION_COLUMNS} FROM revocations ORDER BY created_at DESC, id DESC LIMIT ?`;

/** Lists a person reads are short. */
export const MAX_OPERATOR_LIST = 500;
