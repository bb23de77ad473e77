import type { PolicyDecision, PolicyEngine, PolicyRequest } from './types.ts';

const MAX_ENTRIES = 4096;

/**
 * The policy engine with its decisions remembered, for the exchange and the per-call path alike.
 * A Cedar decision is a pure function of its request: the agent, its owner and risk, the
 * principal and theirs, the action, the resource, the context. So an equal request gets the same
 * answer, and a change in risk is a different request, decided afresh.
 *
 * The key holds the entities whole and, of the context, only the attributes a policy may read
 * (PolicyEngine.readsContext, which errs towards "reads"): a policy set that never looks at
 * `task_id` decides an agent's hundredth task as it decided its first, without Cedar (one
 * decision is ~100 µs alone and ~300 µs inside a loaded exchange, more than its two signatures). An engine that cannot say what
 * it reads keeps the whole context in the key.
 *
 * The time fields (`now`, `requested_ttl`, which counts down with it) change every second. When
 * the policies may read them they are part of the key and entries go when the second changes;
 * when none can, entries live until the cache is full, when it starts again empty. A request
 * whose time fields the engine would refuse as malformed is never answered from here.
 */
export function rememberDecisions(engine: PolicyEngine): PolicyEngine {
  const known = new Map<string, boolean>();
  const reads = (a: string): boolean => {
    let r = known.get(a);
    if (r === undefined) known.set(a, (r = engine.readsContext?.(a) ?? true));
    return r;
  };
  const timeFree = !reads('now') && !reads('requested_ttl');
  let second = -1;
  let decisions = new Map<string, PolicyDecision>();
  return {
    decide(req: PolicyRequest): PolicyDecision {
      const c = req.context;
      if (!Number.isSafeInteger(c.now) || !Number.isSafeInteger(c.requested_ttl)) return engine.decide(req);
      const parts: unknown[] = [req.agent, req.principal, req.action, req.resource];
      for (const a in c) if (a !== 'now' && a !== 'requested_ttl' && reads(a)) parts.push(a, c[a as keyof typeof c]);
      if (!timeFree) {
        if (c.now !== second) {
          second = c.now;
          decisions = new Map();
        }
        parts.push(c.now, c.requested_ttl);
      }
      const key = JSON.stringify(parts);
      const hit = decisions.get(key);
      if (hit) return hit;
      const d = engine.decide(req);
      if (decisions.size >= MAX_ENTRIES) decisions = new Map();
      decisions.set(key, d);
      return d;
    },
    explain: (req) => engine.explain(req),
    dispose: () => engine.dispose(),
    get policyIds() {
      return engine.policyIds;
    },
    ...(engine.readsContext ? { readsContext: engine.readsContext } : {}),
  };
}
