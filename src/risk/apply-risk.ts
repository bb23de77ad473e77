import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import { revokeByFilter } from '../grants/revoke.ts';
import type { RiskLevel } from '../policy/types.ts';
import type { RiskSubject } from '../store/store.ts';
import { revokeWhatPolicyDenies } from './revoke-denied.ts';

export interface RiskRequest {
  subject: RiskSubject;
  level: RiskLevel;
  /** `raise` for signals (a higher recorded level stays), `set` for admins */
  mode: 'raise' | 'set';
  /** revoke every live grant of the subject, whatever policy says (session revoked, account disabled, compromise) */
  revokeAll: boolean;
  reason: string;
  by: string;
  requestId: string | null;
  /** added to the `risk.changed` audit event (e.g. which signal caused it) */
  detail?: Record<string, unknown>;
}

export interface RiskOutcome {
  subject: RiskSubject;
  previous_level: RiskLevel | null;
  level: RiskLevel;
  /** live grants revoked (for revoke-all: those live when the revocation was recorded) */
  revoked: number;
  revocation_ids: string[];
}

/**
 * Records the risk change first (from then on every new decision sees it), then revokes: every
 * live grant of the subject, or those policy no longer permits at the new level. Either way the
 * revocation binds every path as soon as it is recorded (see liveGrant).
 */
export async function applyRisk(deps: Deps, req: RiskRequest): Promise<RiskOutcome> {
  const time = deps.now();
  const { previous, level } = await deps.store.changeRisk(
    // Sessions and credentials that are gone take their identity tokens with them: those issued
    // until now are refused from now on, not only the grants they already got.
    { subject: req.subject, level: req.level, mode: req.mode, reason: req.reason, by: req.by, time, ...(req.revokeAll ? { tokens_not_before: time } : {}) },
    draft('risk.changed', time, { request_id: req.requestId, reason: req.reason, detail: { by: req.by, mode: req.mode, requested_level: req.level, ...req.detail } }),
  );
  const base = { subject: req.subject, previous_level: previous, level };
  if (!req.revokeAll) {
    const e = await revokeWhatPolicyDenies(deps, req.subject, { reason: req.reason, by: req.by, requestId: req.requestId });
    return { ...base, revoked: e.revoked, revocation_ids: e.revocation_ids };
  }
  const filter = { [req.subject.kind]: req.subject.id };
  const live = await deps.store.countLive(filter);
  if (live === 0) return { ...base, revoked: 0, revocation_ids: [] };
  const record = await revokeByFilter(deps, { filter, reason: req.reason, by: req.by, requestId: req.requestId });
  return { ...base, revoked: live, revocation_ids: [record.id] };
}
