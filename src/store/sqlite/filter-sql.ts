import { LIVE_STATUSES } from '../../model/grant.ts';
import { SQLITE } from '../dialect.ts';
import type { Dialect } from '../dialect.ts';
import type { GrantListFilter, RevocationFilter } from '../store.ts';

/**
 * Must read the same as the WHERE of the `grants_live_*` partial indexes in 001_init.sql:
 * SQLite only uses a partial index when the query repeats its condition, and INDEXED BY turns a
 * mismatch into an error at prepare time instead of a silent slow plan.
 */
export const LIVE_SQL = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(',')})`;

/**
 * The only columns a filter can name, in the order we prefer them for reaching a revocation's
 * grants. Column and index names come from here, never from input.
 * - task_id: few grants per task ever, so its full index (history included) is cheap.
 * - agent, principal: live-only partial indexes, flat however long the history.
 * - owner, resource, provider: broad keys; the live grants are walked through the status index,
 *   which costs at most the live set (revoked rows leave it) instead of the key's whole history.
 */
const EQUALITY_FIELDS = [
  { field: 'task_id', index: 'grants_task' },
  { field: 'agent', index: 'grants_live_agent' },
  { field: 'principal', index: 'grants_live_principal' },
  { field: 'owner', index: null },
  { field: 'resource', index: null },
  { field: 'provider', index: null },
] as const satisfies readonly { field: keyof RevocationFilter & keyof GrantListFilter; index: string | null }[];

// SQLite's name for the index behind `id TEXT PRIMARY KEY`.
const ID_INDEX = 'sqlite_autoindex_grants_1';
const STATUS_INDEX = 'grants_status_expires';
export const CREATED_INDEX = 'grants_created';
const REVOKED_BY_INDEX = 'grants_revoked_by';

/**
 * SQL text and its bound values. The text depends only on which fields a filter sets, never on
 * their values, so it can key a statement cache.
 */
export interface BoundSql {
  sql: string;
  params: (string | number)[];
}

/**
 * Live grants matching a revocation filter, and the index to reach them by. Forcing the index
 * matters: left to itself SQLite prefers the full (agent, created_at, id) index, and a mass
 * revocation would then re-read every row it had already revoked, on every batch.
 */
export function liveWhere(filter: RevocationFilter, dialect: Dialect = SQLITE): BoundSql & { index: string } {
  if (!namesSomething(filter)) {
    throw new Error('revocation filter names nothing; pass all: true to mean every live grant');
  }
  const { clauses, params } = fieldClauses(filter);
  if (filter.grant_ids !== undefined) {
    if (!filter.grant_ids.every((id) => typeof id === 'string')) throw new TypeError('filter grant_ids must be strings');
    clauses.push(`id IN (${dialect.idList})`);
    // One JSON parameter instead of one placeholder per id: no bound-variable limit to chunk
    // around, and one statement shape for any number of ids.
    params.push(JSON.stringify(filter.grant_ids));
  }
  const index =
    filter.grant_ids !== undefined ? ID_INDEX : (EQUALITY_FIELDS.find((f) => f.index !== null && filter[f.field] !== undefined)?.index ?? STATUS_INDEX);
  return { sql: [LIVE_SQL, ...clauses].join(' AND '), params, index };
}

/**
 * Any grants (not only live ones) matching an inventory filter; an empty filter matches all.
 * SQLite serves a key column from its (key, created_at, id) index on its own. A status alone it
 * would serve from the status index and sort the whole range for every page: fine for the live
 * statuses, whose range is small, but a million revoked rows must be walked newest first instead.
 */
export function listWhere(filter: GrantListFilter): BoundSql & { index: string | null } {
  const { clauses, params } = fieldClauses(filter);
  const keyed = EQUALITY_FIELDS.some((f) => filter[f.field] !== undefined);
  if (filter.status !== undefined) {
    clauses.push('status = ?');
    params.push(filter.status);
  }
  if (filter.revoked_by !== undefined) {
    if (typeof filter.revoked_by !== 'string') throw new TypeError('filter revoked_by must be a string');
    clauses.push('revoked_by = ?');
    params.push(filter.revoked_by);
    return { sql: clauses.join(' AND '), params, index: REVOKED_BY_INDEX };
  }
  const historic = filter.status !== undefined && !LIVE_STATUSES.includes(filter.status);
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : 'true', params, index: historic && !keyed ? CREATED_INDEX : null };
}

function namesSomething(f: RevocationFilter): boolean {
  return f.all === true || f.grant_ids !== undefined || f.issued_before !== undefined || EQUALITY_FIELDS.some((e) => f[e.field] !== undefined);
}

function fieldClauses(filter: GrantListFilter): { clauses: string[]; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  for (const { field } of EQUALITY_FIELDS) {
    const v = filter[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`filter ${field} must be a string`);
    clauses.push(`${field} = ?`);
    params.push(v);
  }
  if (filter.issued_before !== undefined) {
    if (!Number.isFinite(filter.issued_before)) throw new TypeError('filter issued_before must be a finite number');
    clauses.push('created_at < ?');
    params.push(filter.issued_before);
  }
  return { clauses, params };
}
