import { describe, expect, it } from 'vitest';
import { rememberDecisions } from '../../src/policy/remembered-decisions.ts';
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

describe('remembered decisions', () => {
  it('answers from memory across seconds when no policy reads the time', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies]));
    const cached = rememberDecisions(engine);
    for (let s = 0; s < 5; s++) expect(cached.decide(request({ context: { now: 1_760_000_000 + s, requested_ttl: 600 - s } })).decision).toBe('allow');
    expect(calls()).toBe(1);
    // anything else policy reads is still part of the key
    expect(cached.decide(request({ agent: { risk: 'high' } })).decision).toBe('deny');
    expect(cached.decide(request({ context: { delegation_depth: 3 } })).decision).toBe('deny');
    expect(cached.decide(request({ principal: { id: 'alice', risk: 'high' } })).decision).toBe('deny');
    expect(calls()).toBe(4);
  });

  it('leaves out of the key only the context attributes no policy reads', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies]));
    const remembered = rememberDecisions(engine);
    // the dev policies read neither the task nor the intent: an agent's next task is decided as its first
    for (const task_id of ['task-1', 'task-2', 'task-3']) expect(remembered.decide(request({ context: { task_id, intent: `do ${task_id}` } })).decision).toBe('allow');
    expect(calls()).toBe(1);

    const { engine: reading, calls: readingCalls } = counted(
      loadPolicies(cedar, schemaText, [devPolicies, source('@id("no-task-9") forbid (principal, action, resource) when { context.task_id == "task-9" };')]),
    );
    const byTask = rememberDecisions(reading);
    expect(byTask.decide(request({ context: { task_id: 'task-1' } })).decision).toBe('allow');
    expect(byTask.decide(request({ context: { task_id: 'task-9' } }))).toMatchObject({ decision: 'deny', policyIds: ['no-task-9'] });
    expect(byTask.decide(request({ context: { task_id: 'task-1', intent: 'another intent' } })).decision).toBe('allow');
    expect(readingCalls()).toBe(2);
  });

  it('keeps the whole context in the key for an engine that cannot say what it reads', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies]));
    const { readsContext: _, ...opaque } = engine;
    const remembered = rememberDecisions(opaque);
    remembered.decide(request({ context: { task_id: 'task-1' } }));
    remembered.decide(request({ context: { task_id: 'task-2' } }));
    remembered.decide(request({ context: { task_id: 'task-2', now: 1_760_000_001 } }));
    remembered.decide(request({ context: { task_id: 'task-2', now: 1_760_000_001 } }));
    expect(calls()).toBe(3);
  });

  it('decides again when the second changes if a policy reads the time', () => {
    const { engine, calls } = counted(loadPolicies(cedar, schemaText, [devPolicies, source('@id("after") forbid (principal, action, resource) when { context.now >= 1760000100 };')]));
    const cached = rememberDecisions(engine);
    expect(cached.decide(request({ context: { now: 1_760_000_099 } })).decision).toBe('allow');
    expect(cached.decide(request({ context: { now: 1_760_000_099 } })).decision).toBe('allow');
    expect(calls()).toBe(1);
    const later = cached.decide(request({ context: { now: 1_760_000_100 } }));
    expect(later).toMatchObject({ decision: 'deny', policyIds: ['after'] });
  });

  it('never answers a request with malformed time fields from memory', () => {
    const cached = rememberDecisions(loadPolicies(cedar, schemaText, [devPolicies]));
    expect(cached.decide(request()).decision).toBe('allow');
    const bad = cached.decide(request({ context: { now: 1.5 } }));
    expect(bad.decision).toBe('deny');
    expect(bad.errors.join()).toContain('context.now');
  });
});
