import type { SqlDatabase, SqlStatement, SqlResult } from './sql-database.ts';
import type { Grant } from '../../model/grant.ts';
import { GrantRefused } from '../store-errors.ts';
import { expectNone } from './guard.ts';

// A null principal binds as NULL, and `subject = NULL` matches nothing: one statement serves both cases.
const BLOCKED_SQL = `SELECT 1 FROM blocks WHERE (kind = 'agent' AND subject = ?) OR (kind = 'principal' AND subject = ?)`;
const CLOSED_SQL = `SELECT 1 FROM closed_tasks WHERE task_id = ? AND agent IN ('', ?)`;

/**
 * createGrant's refusal, as on SQLite: a grant that could become live is not created for a
 * blocked agent or principal or a closed task. The reads go in the operation's snapshot; the
 * guards go in its batch, so a block or a closing that commits in between fails the batch.
 */
export function refusalReads(db: SqlDatabase, g: Grant): SqlStatement[] {
  if (g.status === 'denied') return [];
  return [db.prepare(`${BLOCKED_SQL} LIMIT 1`).bind(g.agent, g.principal), db.prepare(`${CLOSED_SQL} LIMIT 1`).bind(g.task_id, g.agent)];
}

/** Throws GrantRefused when the snapshot's refusal reads (refusalReads, in that order) found anything. */
export function throwIfRefused(results: readonly SqlResult[]): void {
  if ((results[0]?.results.length ?? 0) > 0) throw new GrantRefused('blocked');
  if ((results[1]?.results.length ?? 0) > 0) throw new GrantRefused('task_closed');
}

export function refusalGuards(db: SqlDatabase, g: Grant): SqlStatement[] {
  if (g.status === 'denied') return [];
  return [expectNone(db, BLOCKED_SQL, g.agent, g.principal), expectNone(db, CLOSED_SQL, g.task_id, g.agent)];
}
