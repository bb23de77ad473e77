import type { Freeze, FreezeScope } from '../grants/freeze.ts';

/** A `freezes` row as every engine returns it: the scope is JSON text. */
export interface FreezeRow {
  id: string;
  scope: string;
  reason: string;
  frozen_by: string;
  created_at: number;
  lifted_at: number | null;
  lifted_by: string | null;
}

export const FREEZE_COLUMNS = 'id, scope, reason, frozen_by, created_at, lifted_at, lifted_by';
export const INSERT_FREEZE_SQL = `INSERT INTO freezes (${FREEZE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const ACTIVE_FREEZES_SQL = `SELECT ${FREEZE_COLUMNS} FROM freezes WHERE lifted_at IS NULL ORDER BY created_at, id`;
export const LIFT_FREEZE_SQL = 'UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL';

export function freezeValues(f: Freeze): (string | number | null)[] {
  return [f.id, JSON.stringify(f.scope), f.reason, f.frozen_by, f.created_at, f.lifted_at, f.lifted_by];
}

export function rowToFreeze(r: FreezeRow): Freeze {
  return { ...r, scope: JSON.parse(r.scope) as FreezeScope };
}
