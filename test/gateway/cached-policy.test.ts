import { describe, expect, it } from 'vitest';
import { cachedPolicy } from '../../src/gateway/cached-policy.ts';
import { loadPolicies, type PolicyEngine, type PolicySource } from '../../src/policy/engine.ts';
import { cedar, devPolicies, request, schemaText } from '../policy/fixtures.ts';

/** The engine, counting the decisions it really makes. */
function counted(engine: PolicyEngine): { engine: PolicyEngine; calls: () => number } {
  let n = 0;
  const wrapped: PolicyEngine = {
    decide: (r) => {
      n++;
      return engine.decide(r);
    },
    explain: (r) => engine.explain(r),
    dispose: () => engine.dispose(),
    policyIds: engine.policyIds,
    ...(engine.readsContext ? { readsContext: (a: string) => engine.readsContext!(a) } : {}),
  };
  return { engine: wrapped, calls: () => n };
}

const source = (text: string): PolicySource => ({ name: 'extra.cedar', text });

describe('which context attributes policies read', () => {
  it.each([
    { name: 'the dev policies read the delegation depth and the principal, not the time', policies: [devPolicies], read: ['delegation_depth', 'principal'], unread: ['now', 'requested_ttl', 'intent'] },
    { name: 'a policy on context.now reads it', policies: [devPolicies, source('forbid (principal, action, resource) when { context.now >= 1760000100 };')], read: ['now'], unread: ['requested_ttl'] },
    { name: 'context["requested_ttl"] reads it', policies: [devPolicies, source('forbid (principal, action, resource) when { context["requested_ttl"] > 7200 };')], read: ['requested_ttl'], unread: ['now'] },
    { name: 'context has now reads it', policies: [devPolicies, source('forbid (principal, action, resource) when { context has now };')], read: ['now'], unread: [] },
    { name: 'the whole record used reads everything', policies: [devPolicies, source('forbid (principal, action, resource) when { context == context && false };')], read: ['now', 'requested_ttl', 'intent'], unread: [] },
  ])('$name', ({ policies, read, unread }) => {
    const e = loadPolicies(cedar, schemaText, policies);
    for (const a of read) expect(e.readsContext!(a), a).toBe(true);
    for (const a of unread) expect(e.readsContext!(a), a).toBe(false);
  });
});

describe('the per-call decision cache', () => {
  it('answers from memory across seconds when no policy reads the time', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies]));
    const cached = cachedPolicy(engine);
    for (let s = 0; s < 5; s++) expect(cached.decide(request({ context: { now: 1_760_000_000 + s, requested_ttl: 600 - s } })).decision).toBe('allow');
    expect(calls()).toBe(1);
    // anything else policy reads is still part of the key
    expect(cached.decide(request({ agent: { risk: 'high' } })).decision).toBe('deny');
    expect(cached.decide(request({ context: { delegation_depth: 3 } })).decision).toBe('deny');
    expect(cached.decide(request({ principal: { id: 'alice', risk: 'high' } })).decision).toBe('deny');
    expect(calls()).toBe(4);
  });

  it('decides again when the second changes if a policy reads the time', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies, source('@id("after") forbid (principal, action, resource) when { context.now >= 1760000100 };')]));
    const cached = cachedPolicy(engine);
    expect(cached.decide(request({ context: { now: 1_760_000_099 } })).decision).toBe('allow');
    expect(cached.decide(request({ context: { now: 1_760_000_099 } })).decision).toBe('allow');
    expect(calls()).toBe(1);
    const later = cached.decide(request({ context: { now: 1_760_000_100 } }));
    expect(later).toMatchObject({ decision: 'deny', policyIds: ['after'] });
  });

  it('never answers a request with malformed time fields from memory', () => {
    const cached = cachedPolicy(loadPolicies(cedar, schemaText, [devPolicies]));
    expect(cached.decide(request()).decision).toBe('allow');
    const bad = cached.decide(request({ context: { now: 1.5 } }));
    expect(bad.decision).toBe('deny');
    expect(bad.errors.join()).toContain('context.now');
  });
});
