import type { Database, Statement } from 'better-sqlite3';
import type { Approval } from '../../approvals/approval.ts';
import type { ApprovalListFilter, ApprovalPage, ApprovalPatch } from '../store.ts';
import { encodeCursor } from './cursor.ts';
import { clampLimit } from './limits.ts';
import { APPROVAL_COLUMNS as COLUMNS, APPROVAL_PATCH_COLUMNS as PATCH_COLUMNS, fromRow, listApprovalsQuery, toRow } from './approval-rows.ts';
import type { ApprovalRow } from './approval-rows.ts';
import { StatementCache } from './statement-cache.ts';

export const MAX_APPROVAL_PAGE = 200;

/** The `approvals` table. Plain reads and writes: callers own the transactions. */
export class SqliteApprovals {
  readonly #cache: StatementCache;
  readonly #insert: Statement<[ApprovalRow]>;
  readonly #get: Statement<[string], ApprovalRow>;

  constructor(db: Database) {
    this.#cache = new StatementCache(db);
    this.#insert = db.prepare<[ApprovalRow]>(`INSERT INTO approvals (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`);
    this.#get = db.prepare<[string], ApprovalRow>(`SELECT ${COLUMNS.join(', ')} FROM approvals WHERE id = ?`);
  }

  insert(a: Approval): void {
    this.#insert.run(toRow(a));
  }

  get(id: string): Approval | null {
    const r = this.#get.get(id);
    return r ? fromRow(r) : null;
  }

  /** One UPDATE guarded by the version, so the database decides who wins a race. */
  compareAndSet(id: string, version: number, patch: ApprovalPatch): Approval | null {
    const set = PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
    const values = set.map((c) => (c === 'decisions' ? JSON.stringify(patch.decisions) : (patch[c] ?? null)));
    const sql = `UPDATE approvals SET version = version + 1${set.map((c) => `, ${c} = ?`).join('')} WHERE id = ? AND version = ? RETURNING ${COLUMNS.join(', ')}`;
    const row = this.#cache.get<ApprovalRow>(sql).get(...values, id, version);
    return row ? fromRow(row) : null;
  }

  list(filter: ApprovalListFilter, limit: number, cursor: string | null): ApprovalPage {
    const n = clampLimit(limit, MAX_APPROVAL_PAGE);
    if (n === 0) return { approvals: [], next_cursor: null };
    const { sql, params } = listApprovalsQuery(filter, cursor, n + 1);
    const rows = this.#cache.get<ApprovalRow>(sql).all(...params);
    const approvals = rows.slice(0, n).map(fromRow);
    const last = approvals.at(-1);
    return { approvals, next_cursor: rows.length > n && last ? encodeCursor(last) : null };
  }
}
