import type { Dialect } from '../dialect.ts';
import { FREEZE_COLUMNS, rowToFreeze, type FreezeRow } from '../freeze-rows.ts';
import { toRecordedRisk, type RiskRow } from '../risk-rows.ts';
import { GRANT_COLUMNS, rowToGrant, type GrantRow } from '../sqlite/grant-rows.ts';
import { REVOCATION_COLUMNS, toRecord, type RevocationRow } from '../sqlite/revocation-rows.ts';
import type { CallView } from '../store.ts';

const REVOCATION = REVOCATION_COLUMNS.split(', ');
const FREEZE = FREEZE_COLUMNS.split(', ');
const RISK = ['kind', 'level', 'tokens_not_before'] as const;
const MATCHES_GRANT = (t: string) => `(${t}.kind = 'agent' AND ${t}.subject = g.agent) OR (${t}.kind = 'principal' AND ${t}.subject = g.principal)`;

/**
 * A gateway call's view of one grant as one statement (one round trip, one snapshot, one plan a
 * connection keeps prepared): the grant row, and beside it whether its agent or principal is
 * blocked, the unfinished revocations, the freezes in force and the agent's and principal's
 * recorded risk, the last three as JSON arrays of rows.
 */
export function callViewSql(d: Dialect, many = false): string {
  return `SELECT ${GRANT_COLUMNS.map((c) => `g.${c}`).join(', ')},
  EXISTS (SELECT 1 FROM blocks b WHERE ${MATCHES_GRANT('b')}) AS view_blocked,
  (SELECT ${d.jsonAgg(REVOCATION)} FROM revocations WHERE finished_at IS NULL) AS view_unfinished,
  (SELECT ${d.jsonAgg(FREEZE)} FROM freezes WHERE lifted_at IS NULL) AS view_freezes,
  (SELECT ${d.jsonAgg(RISK.map((c) => `r.${c}`))} FROM risk_levels r WHERE ${MATCHES_GRANT('r')}) AS view_risk
FROM grants g WHERE ${many ? `g.id IN (${d.idList})` : 'g.id = ?'}`;
}

type ViewRow = GrantRow & { view_blocked: unknown; view_unfinished: unknown; view_freezes: unknown; view_risk: unknown };

export function rowToCallView(row: ViewRow): CallView {
  const unfinished = rows<RevocationRow>(row.view_unfinished, REVOCATION).map(toRecord);
  const freezes = rows<FreezeRow>(row.view_freezes, FREEZE).map(rowToFreeze);
  // The order the separate reads give (oldest first); an aggregate keeps none.
  const oldestFirst = (a: { created_at: number; id: string }, b: { created_at: number; id: string }) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    grant: rowToGrant(row),
    unfinished: unfinished.sort(oldestFirst),
    blocked: row.view_blocked === true || row.view_blocked === 1,
    freezes: freezes.sort(oldestFirst),
    risk: toRecordedRisk(rows<RiskRow>(row.view_risk, RISK)),
  };
}

/** A JSON array of arrays (text from SQLite, parsed already by `pg`, NULL for no rows) as row objects. */
function rows<T>(v: unknown, columns: readonly string[]): T[] {
  if (v === null || v === undefined) return [];
  const arrays = (typeof v === 'string' ? JSON.parse(v) : v) as unknown[][];
  return arrays.map((a) => Object.fromEntries(columns.map((c, i) => [c, a[i]])) as T);
}
