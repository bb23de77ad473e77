import type { Deps } from '../deps.ts';
import type { Grant } from '../model/grant.ts';
import { revokeByFilter } from '../grants/revoke.ts';
import { actDepth } from '../identity/delegation.ts';
import { trustDomainOf } from '../identity/trust-domain.ts';
import { decideAction } from '../policy/decide-action.ts';
import type { RiskSubject } from '../store/store.ts';
import { currentRisk, type RiskView } from './current-risk.ts';

/**
 * The longest `grant_ids` list one revocation carries. Until it finishes, every liveness check on
 * every path reads its filter, and each of its batches looks its ids up again, so it stays short:
 * the grants of one subject are spread over several revocations, recorded as they are found.
 */
const MAX_IDS_PER_REVOCATION = 1000;
/** Decisions run for at most this long before the event loop gets a turn (a Cedar decision is ~0.1 ms). */
const SLICE_MS = 10;

export interface Enforcement {
  /** live grants re-decided */
  checked: number;
  /** of those, how many policy now denies: all are revoked */
  revoked: number;
  /** the revocations that carry them (GET /v1/revocations/{id}) */
  revocation_ids: string[];
}

export interface EnforceRequest {
  reason: string;
  by: string;
  requestId: string | null;
}

/**
 * After a risk change: decides every live grant of the subject again, as an exchange would now
 * (current risk, current registry, catalog and policies), and revokes those it no longer
 * permits — a grant with several actions goes if any of them is denied. Pages of
 * `server.revocation_batch` grants, yielding between pages so no decision run stalls the server;
 * each revocation is recorded (and so binds every path) as soon as its grants are known.
 */
export async function revokeWhatPolicyDenies(deps: Deps, subject: RiskSubject, req: EnforceRequest): Promise<Enforcement> {
  const size = deps.config.server.revocation_batch;
  const risks = new Map<string, RiskView>();
  const out: Enforcement = { checked: 0, revoked: 0, revocation_ids: [] };
  let denied: string[] = [];
  const flush = async () => {
    if (denied.length === 0) return;
    const record = await revokeByFilter(deps, { filter: { grant_ids: denied }, reason: req.reason, by: req.by, requestId: req.requestId });
    out.revoked += denied.length;
    out.revocation_ids.push(record.id);
    denied = [];
  };
  let cursor: string | null = null;
  let sliceStart = performance.now();
  do {
    const page = await deps.store.liveGrantsOf(subject, size, cursor);
    const now = deps.now();
    for (const g of page.grants) {
      out.checked++;
      if (!(await stillPermitted(deps, g, risks, now))) denied.push(g.id);
      if (denied.length >= MAX_IDS_PER_REVOCATION) await flush();
      if (performance.now() - sliceStart >= SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    cursor = page.next_cursor;
  } while (cursor !== null);
  await flush();
  return out;
}

async function stillPermitted(deps: Deps, g: Grant, risks: Map<string, RiskView>, now: number): Promise<boolean> {
  const resource = deps.resources.get(g.resource);
  const agent = deps.agents.lookup(g.agent);
  if (!resource || !agent) return false;
  const key = JSON.stringify([g.agent, g.principal]);
  let risk = risks.get(key);
  if (!risk) {
    risk = await currentRisk(deps, g.agent, agent.risk, g.principal);
    risks.set(key, risk);
  }
  const who = { agentId: g.agent, owner: agent.owner, trustDomain: trustDomainOf(g.agent), principal: g.principal };
  const ctx = {
    task_id: g.task_id,
    intent: g.intent ?? '',
    delegation_depth: actDepth(g.act),
    requested_ttl: Math.max(0, Math.round((g.expires_at - g.created_at) / 1000)),
    now,
  };
  const target = { id: resource.id, provider: resource.provider, classification: resource.classification };
  for (const action of g.actions) {
    try {
      if (decideAction(deps.policy, who, risk, target, action, ctx).decision !== 'allow') return false;
    } catch {
      // A policy engine that cannot answer permits nothing: the grant goes.
      return false;
    }
  }
  return true;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
