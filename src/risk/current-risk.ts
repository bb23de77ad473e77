import type { Deps } from '../deps.ts';
import type { RecordedRisk } from '../store/store.ts';
import type { RiskLevel } from '../policy/types.ts';
import { higherRisk } from './levels.ts';

/** The risk policy sees for one request: the agent's, and the delegating human's when there is one. */
export interface RiskView {
  agent: RiskLevel;
  principal: RiskLevel | null;
  /** epoch ms: the agent's / the principal's identity tokens issued before it are refused (a revoked session) */
  notBefore?: { agent: number | null; principal: number | null };
}

/**
 * The risk levels in force right now; every policy decision reads risk through here. An agent's
 * registered level is its floor: a level recorded by a signal or an admin (POST /v1/risk) can
 * raise it, never lower it below what the registry says. A principal has no registered level: the
 * recorded one, else `low`. One store read by primary key, because this runs on every exchange
 * and every gateway call.
 */
export async function currentRisk(deps: Deps, agentId: string, registered: RiskLevel, principal: string | null): Promise<RiskView> {
  return riskView(await deps.store.riskLevels(agentId, principal), registered, principal);
}

/** The same rule over levels already read (a gateway call reads them with its grant). */
export function riskView(recorded: RecordedRisk, registered: RiskLevel, principal: string | null): RiskView {
  return {
    agent: recorded.agent === null ? registered : higherRisk(registered, recorded.agent),
    principal: principal === null ? null : (recorded.principal ?? 'low'),
    notBefore: { agent: recorded.agent_not_before ?? null, principal: principal === null ? null : (recorded.principal_not_before ?? null) },
  };
}
