import type { Approval } from '../../approvals/approval.ts';
import type { ApprovalListFilter, ApprovalPatch } from '../store.ts';
import { decodeCursor } from './cursor.ts';

// Pure row mapping of `approvals`, shared by the SQLite and D1 stores.

export const APPROVAL_COLUMNS = [
  'id', 'kind', 'grant_id', 'request_hash', 'agent', 'principal', 'owner', 'task_id', 'resource', 'actions', 'intent', 'tool',
  'arguments_digest', 'rules', 'approvers', 'decisions', 'status', 'created_at', 'expires_at', 'decided_at', 'used_at', 'version',
] as const;

export type ApprovalRow = Omit<Approval, 'actions' | 'rules' | 'approvers' | 'decisions'> & {
  actions: string;
  rules: string;
  approvers: string;
  decisions: string;
};

const JSON_COLUMNS = new Set(['actions', 'rules', 'approvers', 'decisions']);

/** What an update may write; column names come from here, never from the patch. */
export const APPROVAL_PATCH_COLUMNS = ['status', 'decisions', 'decided_at', 'used_at'] as const satisfies readonly (keyof ApprovalPatch)[];

export function toRow(a: Approval): ApprovalRow {
  return { ...a, actions: JSON.stringify(a.actions), rules: JSON.stringify(a.rules), approvers: JSON.stringify(a.approvers), decisions: JSON.stringify(a.decisions) };
}

export function fromRow(r: ApprovalRow): Approval {
  const out: Record<string, unknown> = {};
  for (const c of APPROVAL_COLUMNS) out[c] = JSON_COLUMNS.has(c) ? JSON.parse(r[c] as string) : r[c];
  return out as unknown as Approval;
}

/** Newest first, keyset-paged on (created_at, id); `limit` rows at most. */
export function listApprovalsQuery(filter: ApprovalListFilter, cursor: string | null, limit: number): { sql: string; params: unknown[] } {
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
  const sql = `SELECT ${APPROVAL_COLUMNS.join(', ')} FROM approvals${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
  return { sql, params: [...params, limit] };
}
