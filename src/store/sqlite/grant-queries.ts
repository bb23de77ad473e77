import type { GrantCursor } from './cursor.ts';
import { LIVE_SQL, listWhere, liveWhere } from './filter-sql.ts';
import type { BoundSql } from './filter-sql.ts';
import { GRANT_COLUMNS } from './grant-rows.ts';
import type { GrantListFilter, RevocationFilter } from '../store.ts';

// Pure SQL text, shared by the SQLite store and the D1 store (same schema, same plans).

const COLUMNS = GRANT_COLUMNS.join(', ');

/** The page query, apart so tests can check its plan. */
export function listQuery(filter: GrantListFilter, after: GrantCursor | null, limit: number): BoundSql {
  const w = listWhere(filter);
  const indexed = w.index ? ` INDEXED BY ${w.index}` : '';
  const keyset = after ? ' AND (created_at, id) < (?, ?)' : '';
  return {
    sql: `SELECT ${COLUMNS} FROM grants${indexed} WHERE ${w.sql}${keyset} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params: [...w.params, ...(after ? [after.created_at, after.id] : []), limit],
  };
}

/** The live grants a revocation batch takes, apart so tests can check its plan. */
export function liveQuery(filter: RevocationFilter, limit: number): BoundSql {
  const w = liveWhere(filter);
  return { sql: `SELECT ${COLUMNS} FROM grants INDEXED BY ${w.index} WHERE ${w.sql} LIMIT ?`, params: [...w.params, limit] };
}

/** How many live grants a revocation filter names, through the same index a batch would use. */
export function countLiveQuery(filter: RevocationFilter): BoundSql {
  const w = liveWhere(filter);
  return { sql: `SELECT count(*) AS n FROM grants INDEXED BY ${w.index} WHERE ${w.sql}`, params: w.params };
}

/**
 * Live grants whose parent is not live. INDEXED BY the partial index of live children: its WHERE
 * is repeated word for word (`c.` aside), which is what lets SQLite use it.
 */
export const ORPHANED_GRANTS_SQL =
  `SELECT c.id AS id FROM grants AS c INDEXED BY grants_live_children JOIN grants AS p ON p.id = c.parent_grant_id ` +
  `WHERE c.parent_grant_id IS NOT NULL AND c.${LIVE_SQL} AND NOT (p.${LIVE_SQL}) LIMIT ?`;
