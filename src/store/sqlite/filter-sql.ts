import { LIVE_STATUSES } from '../../grants/grant.ts';
import type { GrantListFilter, RevocationFilter } from '../store.ts';

/**
 * Must read the same as the WHERE of the `grants_live_*` partial indexes in 001_init.sql:
 * SQLite only uses a partial index when the query repeats its condition, and INDEXED BY turns a
 * mismatch into an error at prepare time instead of a silent full scan.
 */
export const LIVE_SQL = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(',')})`;

/**
 * The only columns a filter can name, in the order we prefer them for driving a revocation
 * (most selective first). Column and index names come from here, never from input.
 */
const EQUALITY_FIELDS = [
  { field: 'task_id', liveIndex: 'grants_live_task' },
  { field: 'agent', liveIndex: 'grants_live_agent' },
  { field: 'principal', liveIndex: 'grants_live_principal' },
  { field: 'resource', liveIndex: 'grants_live_resource' },
  { field: 'owner', liveIndex: 'grants_live_owner' },
  { field: 'provider', liveIndex: 'grants_live_provider' },
] as const satisfies readonly { field: keyof RevocationFilter & keyof GrantListFilter; liveIndex: string }[];

// SQLite's name for the index behind `id TEXT PRIMARY KEY`.
const ID_INDEX = 'sqlite_autoindex_grants_1';
const STATUS_INDEX = 'grants_status_expires';

/** A WHERE clause and its bound values. `sql` depends only on which fields are set, so it can key a statement cache. */
export interface SqlWhere {
  sql: string;
  params: (string | number)[];
}

/**
 * Live grants matching a revocation filter, and the index to reach them by. Forcing the index
 * matters: left to itself SQLite prefers the full (agent, created_at) index, and a mass
 * revocation would then re-read every row it already revoked on each batch.
 */
export function liveWhere(filter: RevocationFilter): SqlWhere & { index: string } {
  if (!namesSomething(filter)) {
    throw new Error('revocation filter names nothing; pass all: true to mean every live grant');
  }
  const { clauses, params } = fieldClauses(filter);
  if (filter.grant_ids !== undefined) {
    if (!filter.grant_ids.every((id) => typeof id === 'string')) throw new TypeError('filter grant_ids must be strings');
    clauses.push('id IN (SELECT value FROM json_each(?))');
    // One JSON parameter instead of one placeholder per id: no bound-variable limit to chunk
    // around, and one statement shape for any number of ids.
    params.push(JSON.stringify(filter.grant_ids));
  }
  const index =
    filter.grant_ids !== undefined ? ID_INDEX : (EQUALITY_FIELDS.find((f) => filter[f.field] !== undefined)?.liveIndex ?? STATUS_INDEX);
  return { sql: [LIVE_SQL, ...clauses].join(' AND '), params, index };
}

/** Any grants (not only live ones) matching an inventory filter; an empty filter matches all. */
export function listWhere(filter: GrantListFilter): SqlWhere {
  const { clauses, params } = fieldClauses(filter);
  if (filter.status !== undefined) {
    clauses.push('status = ?');
    params.push(filter.status);
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', params };
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
