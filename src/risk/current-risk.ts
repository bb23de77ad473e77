import type { Deps } from '../deps.ts';
import type { RiskLevel } from '../policy/types.ts';

/** The risk policy sees for one request: the agent's, and the delegating human's when there is one. */
export interface RiskView {
  agent: RiskLevel;
  principal: RiskLevel | null;
}

/**
 * The risk levels in force right now. Today: the agent's registered level and `low` for humans;
 * risk signals and `/v1/risk` raise them (issue 4). Every policy decision reads risk through here.
 */
export async function currentRisk(_deps: Deps, _agentId: string, registered: RiskLevel, principal: string | null): Promise<RiskView> {
  return { agent: registered, principal: principal === null ? null : 'low' };
}
