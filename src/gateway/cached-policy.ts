import type { PolicyDecision, PolicyEngine, PolicyRequest } from '../policy/types.ts';

const MAX_ENTRIES = 4096;

/**
 * The policy engine with its decisions remembered. A Cedar decision is a pure function of its
 * request, and the request holds everything policy may read — the agent, its owner and risk, the
 * principal and theirs, the action, the resource, the context with the time in whole seconds —
 * so an equal request gets the same answer; a change in risk is a different request and is
 * decided afresh.
 *
 * The time fields (`now`, `requested_ttl`, which counts down with it) change every second. When
 * the policies may read them they are part of the key and entries go when the second changes.
 * When no policy can read them (PolicyEngine.readsContext) they are left out of the key, so a
 * gateway's steady calls stop paying a Cedar decision per grant per second — that decision was
 * the per-call p99 — and entries live until the cache is full, when it starts again empty. A
 * request whose time fields the engine would refuse as malformed is never answered from here.
 */
export function cachedPolicy(engine: PolicyEngine): PolicyEngine {
  const timeFree = engine.readsContext !== undefined && !engine.readsContext('now') && !engine.readsContext('requested_ttl');
  let second = -1;
  let decisions = new Map<string, PolicyDecision>();
  return {
    decide(req: PolicyRequest): PolicyDecision {
      const c = req.context;
      let key: string;
      if (timeFree) {
        if (!Number.isSafeInteger(c.now) || !Number.isSafeInteger(c.requested_ttl)) return engine.decide(req);
        key = JSON.stringify([req.agent, req.principal, req.action, req.resource, c.task_id, c.intent, c.delegation_depth]);
      } else {
        if (c.now !== second) {
          second = c.now;
          decisions = new Map();
        }
        key = JSON.stringify(req);
      }
      const hit = decisions.get(key);
      if (hit) return hit;
      const d = engine.decide(req);
      if (decisions.size >= MAX_ENTRIES) {
        if (timeFree) decisions = new Map();
        else return d;
      }
      decisions.set(key, d);
      return d;
    },
    explain: (req) => engine.explain(req),
    dispose: () => engine.dispose(),
    get policyIds() {
      return engine.policyIds;
    },
  };
}
