import type { RiskLevel } from '../policy/types.ts';
import type { RecordedRisk } from './store.ts';

export interface RiskRow {
  kind: 'agent' | 'principal';
  level: RiskLevel;
  tokens_not_before: number | null;
}

/** An agent's and a principal's rows of `risk_levels` (either may be missing) as one RecordedRisk. */
export function toRecordedRisk(rows: readonly RiskRow[]): RecordedRisk {
  const out: RecordedRisk = { agent: null, principal: null, agent_not_before: null, principal_not_before: null };
  for (const r of rows) {
    out[r.kind] = r.level;
    out[`${r.kind}_not_before`] = r.tokens_not_before;
  }
  return out;
}
