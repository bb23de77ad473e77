import type { Database, Statement } from 'better-sqlite3';
import type { Approval } from '../../approvals/approval.ts';
import type { ApprovalListFilter, ApprovalPage, ApprovalPatch } from '../store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { clampLimit } from './limits.ts';
import { StatementCache } from './statement-cache.ts';

export const MAX_APPROVAL_PAGE = 200;

const COLUMNS = [
  'id', 'kind', 'grant_id', 'request_hash', 'agent', 'principal', 'owner', 'task_id', 'resource', 'actions', 'intent', 'tool',
  'arguments_digest', 'rules', 'approvers', 'decisions', 'status', 'created_at', 'expires_at', 'decided_at', 'used_at', 'version',
] as const;

type ApprovalRow = Omit<Approval, 'actions' | 'rules' | 'approvers' | 'decisions'> & {
  actions: string;
  rules: string;
  approvers: string;
  decisions: string;
};

const JSON_COLUMNS = new Set(['actions', 'rules', 'approvers', 'decisions']);

/** What an update may write; column names come from here, never from the patch. */
const PATCH_COLUMNS = ['status', 'decisions', 'decided_at', 'used_at'] as const satisfies readonly (keyof ApprovalPatch)[];

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
    const where: string[] = [];
    const params: unknown[] = [];
    for (const k of ['status', 'agent', 'task_id'] as const) {
      if (filter[k] !== undefined) {
        where.push(`${k} = ?`);
        params.push(filter[k]);
      }
    }
    if (cursor !== null) {
      const c = decodeCursor(cursor);
      where.push('(created_at, id) < (?, ?)');
      params.push(c.created_at, c.id);
    }
    const sql = `SELECT ${COLUMNS.join(', ')} FROM approvals${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.#cache.get<ApprovalRow>(sql).all(...params, n + 1);
    const approvals = rows.slice(0, n).map(fromRow);
    const last = approvals.at(-1);
    return { approvals, next_cursor: rows.length > n && last ? encodeCursor(last) : null };
  }
}

function toRow(a: Approval): ApprovalRow {
  return { ...a, actions: JSON.stringify(a.actions), rules: JSON.stringify(a.rules), approvers: JSON.stringify(a.approvers), decisions: JSON.stringify(a.decisions) };
}

function fromRow(r: ApprovalRow): Approval {
  const out: Record<string, unknown> = {};
  for (const c of COLUMNS) out[c] = JSON_COLUMNS.has(c) ? JSON.parse(r[c] as string) : r[c];
  return out as unknown as Approval;
}
