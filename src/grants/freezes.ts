import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import { FREEZE_FIELDS, type Freeze, type FreezeScope } from './freeze.ts';
import { randomToken } from '../model/grant.ts';

/** Freeze: recorded (with who and why, audited) before this returns; from then on every node refuses what it names. */
export async function startFreeze(deps: Deps, scope: FreezeScope, reason: string, by: string, requestId: string | null): Promise<Freeze> {
  const now = deps.now();
  const freeze: Freeze = { id: 'frz_' + randomToken(12), scope, reason, frozen_by: by, created_at: now, lifted_at: null, lifted_by: null };
  await deps.store.freeze(
    freeze,
    draft('freeze.started', now, {
      request_id: requestId,
      agent: scope.agent ?? null,
      resource: scope.resource ?? null,
      reason,
      detail: { freeze_id: freeze.id, scope, by },
    }),
  );
  return freeze;
}

/** Lift the active freezes (or the one named): each with its own event. Returns those lifted. */
export async function liftFreezes(deps: Deps, id: string | null, by: string, requestId: string | null): Promise<Freeze[]> {
  const active = await deps.store.activeFreezes();
  const lifted: Freeze[] = [];
  for (const f of active) {
    if (id !== null && f.id !== id) continue;
    const now = deps.now();
    const event = draft('freeze.lifted', now, { request_id: requestId, agent: f.scope.agent ?? null, resource: f.scope.resource ?? null, reason: f.reason, detail: { freeze_id: f.id, scope: f.scope, by } });
    if (await deps.store.liftFreeze(f.id, by, now, event)) lifted.push({ ...f, lifted_at: now, lifted_by: by });
  }
  return lifted;
}

export function scopeOf(b: Partial<Record<(typeof FREEZE_FIELDS)[number], string>>): FreezeScope {
  const scope: FreezeScope = {};
  for (const k of FREEZE_FIELDS) if (b[k] !== undefined) scope[k] = b[k];
  return scope;
}
