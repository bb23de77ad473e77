import type { GrantCursor } from './cursor.ts';
import { CREATED_INDEX, LIVE_SQL, listWhere, liveWhere } from './filter-sql.ts';
import type { BoundSql } from './filter-sql.ts';
import { GRANT_COLUMNS } from './grant-rows.ts';
import { SQLITE } from '../dialect.ts';
import type { Dialect } from '../dialect.ts';
import type { GrantListFilter, RevocationFilter } from '../store.ts';

// Pure SQL text, shared by the SQLite store and the SQL store on D1 and PostgreSQL (same schema;
// the index hints only where the dialect has them).

const COLUMNS = GRANT_COLUMNS.join(', ');

/** The page query, apart so tests can check its plan. */
export function listQuery(filter: GrantListFilter, after: GrantCursor | null, limit: number, dialect: Dialect = SQLITE): BoundSql {
  const w = listWhere(filter);
  const indexed = w.index ? dialect.indexedBy(w.index) : '';
  const keyset = after ? ' AND (created_at, id) < (?, ?)' : '';
  return {
    sql: `SELECT ${COLUMNS} FROM grants${indexed} WHERE ${w.sql}${keyset} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params: [...w.params, ...(after ? [after.created_at, after.id] : []), limit],
  };
}

/** The live grants a revocation batch takes, apart so tests can check its plan. */
export function liveQuery(filter: RevocationFilter, limit: number, dialect: Dialect = SQLITE): BoundSql {
  const w = liveWhere(filter, dialect);
  return { sql: `SELECT ${COLUMNS} FROM grants${dialect.indexedBy(w.index)} WHERE ${w.sql} LIMIT ?`, params: [...w.params, limit] };
}

/** The newest `created_at` among the live grants a revocation filter names (null when none), through the same index. */
export function newestLiveQuery(filter: RevocationFilter, dialect: Dialect = SQLITE): BoundSql {
  const w = liveWhere(filter, dialect);
  const all = `SELECT max(created_at) AS m FROM grants${dialect.indexedBy(w.index)} WHERE ${w.sql}`;
  if (w.sql !== LIVE_SQL) return { sql: all, params: w.params };
  // Every live grant (an emergency revocation): walking all of them (16 ms at 100k, inside the
  // revocation's transaction) is needed only when none of the newest rows is live. If one is, the
  // newest live grant is among them: anything outside is older than all of them.
  const newest = `SELECT max(created_at) FROM (SELECT created_at, status FROM grants${dialect.indexedBy(CREATED_INDEX)} ORDER BY created_at DESC LIMIT ${NEWEST_WINDOW}) AS recent WHERE ${LIVE_SQL}`;
  return { sql: `SELECT coalesce((${newest}), (${all})) AS m`, params: [] };
}

/** How many of the newest grants newestLiveQuery looks at before walking every live one. */
export const NEWEST_WINDOW = 1000;

/** How many live grants a revocation filter names, through the same index a batch would use. */
export function countLiveQuery(filter: RevocationFilter, dialect: Dialect = SQLITE): BoundSql {
  const w = liveWhere(filter, dialect);
  return { sql: `SELECT count(*) AS n FROM grants${dialect.indexedBy(w.index)} WHERE ${w.sql}`, params: w.params };
}

/**
 * Live grants whose parent is not live. INDEXED BY the partial index of live children: its WHERE
 * is repeated word for word (`c.` aside), which is what lets SQLite use it.
 */
export const orphanedGrantsSql = (dialect: Dialect = SQLITE): string =>
  `SELECT c.id AS id FROM grants AS c${dialect.indexedBy('grants_live_children')} JOIN grants AS p ON p.id = c.parent_grant_id ` +
  `WHERE c.parent_grant_id IS NOT NULL AND c.${LIVE_SQL} AND NOT (p.${LIVE_SQL}) LIMIT ?`;

export const ORPHANED_GRANTS_SQL = orphanedGrantsSql();
