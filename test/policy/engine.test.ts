import { describe, expect, it } from 'vitest';
import { loadPolicies, PolicyError, type PolicyDecision } from '../../src/policy/engine.ts';
import { cedar, devPolicies, request, schemaText } from './fixtures.ts';

const engine = loadPolicies(cedar, schemaText, [devPolicies]);

describe('decide with the dev policies', () => {
  const cases: { name: string; req: ReturnType<typeof request>; want: Partial<PolicyDecision> }[] = [
    {
      name: 'read of an unrestricted resource is allowed for 1h',
      req: request(),
      want: { decision: 'allow', policyIds: ['read-unrestricted'], maxTtl: 3600, approval: null, errors: [] },
    },
    {
      name: 'write is allowed with a shorter ttl',
      req: request({ action: 'write' }),
      want: { decision: 'allow', policyIds: ['write'], maxTtl: 900, approval: null },
    },
    {
      name: 'delete needs the owner to approve',
      req: request({ action: 'delete' }),
      want: { decision: 'allow', policyIds: ['delete-needs-owner'], maxTtl: 300, approval: 'owner' },
    },
    {
      name: 'a high-risk agent is denied: forbid wins over the write permit',
      req: request({ action: 'write', agent: { risk: 'high' } }),
      want: { decision: 'deny', policyIds: ['forbid-high-risk-agent'], maxTtl: null, approval: null },
    },
    {
      name: 'delegation deeper than 2 is denied',
      req: request({ context: { delegation_depth: 3 } }),
      want: { decision: 'deny', policyIds: ['forbid-deep-delegation'] },
    },
    {
      name: 'delegation depth 2 is still allowed',
      req: request({ context: { delegation_depth: 2 } }),
      want: { decision: 'allow', policyIds: ['read-unrestricted'] },
    },
    {
      name: 'admin is forbidden',
      req: request({ action: 'admin' }),
      want: { decision: 'deny', policyIds: ['forbid-admin'] },
    },
    {
      name: 'read of a restricted resource matches no permit: default deny',
      req: request({ resource: { classification: 'restricted' } }),
      want: { decision: 'deny', policyIds: [], errors: [] },
    },
    {
      name: 'several forbids all name themselves',
      req: request({ action: 'admin', agent: { risk: 'high' }, context: { delegation_depth: 5 } }),
      want: { decision: 'deny' },
    },
    {
      name: 'acting for a human: context carries the principal',
      req: request({ principal: { id: 'alice@acme.test', risk: 'low' }, context: { delegation_depth: 1 } }),
      want: { decision: 'allow', policyIds: ['read-unrestricted'] },
    },
  ];

  it.each(cases)('$name', ({ req, want }) => {
    expect(engine.decide(req)).toMatchObject(want);
  });

  it('names every satisfied forbid', () => {
    const d = engine.decide(request({ action: 'admin', agent: { risk: 'high' }, context: { delegation_depth: 5 } }));
    expect([...d.policyIds].sort()).toEqual(['forbid-admin', 'forbid-deep-delegation', 'forbid-high-risk-agent']);
  });

  it('lists every loaded policy id in file order', () => {
    expect(engine.policyIds).toEqual([
      'read-unrestricted',
      'write',
      'delete-needs-owner',
      'forbid-high-risk-agent',
      'forbid-deep-delegation',
      'forbid-admin',
      'forbid-high-risk-human',
      'read-only-at-medium-risk',
      'reviewed-write-needs-owner',
      'mcp-no-delete',
    ]);
  });
});

describe('malformed requests are denied, not sent to Cedar', () => {
  it.each([
    ['an unknown action', request({ action: 'launch' as never }), 'unknown action'],
    ['a misspelt agent risk', request({ action: 'write', agent: { risk: 'HIGH' as never } }), 'agent risk'],
    ['a misspelt principal risk', request({ principal: { id: 'p', risk: 'severe' as never } }), 'principal risk'],
    ['a fractional depth', request({ context: { delegation_depth: 0.5 } }), 'delegation_depth'],
    ['a NaN ttl', request({ context: { requested_ttl: Number.NaN } }), 'requested_ttl'],
  ])('%s', (_name, req, message) => {
    const d = engine.decide(req);
    expect(d).toMatchObject({ decision: 'deny', policyIds: [], approval: null, maxTtl: null });
    expect(d.errors.join('\n')).toContain(message);
  });
});

describe('obligations of several deciding permits', () => {
  const extra = {
    name: 'extra.cedar',
    text: `
      @id("read-with-group") @approval("group:sre") @max_ttl("10m")
      permit (principal, action == Tollgate::Action::"read", resource);
      @id("read-plain") @max_ttl("2h")
      permit (principal, action == Tollgate::Action::"read", resource);
      @id("read-principal") @approval("principal")
      permit (principal, action == Tollgate::Action::"read", resource) when { context.delegated };
    `,
  };
  const e = loadPolicies(cedar, schemaText, [devPolicies, extra]);

  it('joins distinct approvals sorted and takes the shortest ttl', () => {
    const d = e.decide(request({ principal: { id: 'alice', risk: 'low' } }));
    expect(d.decision).toBe('allow');
    expect([...d.policyIds].sort()).toEqual(['read-plain', 'read-principal', 'read-unrestricted', 'read-with-group']);
    expect(d.approval).toBe('group:sre,principal');
    expect(d.maxTtl).toBe(600);
  });
});

describe('fail closed on evaluation errors', () => {
  // The real schema makes context.principal optional, so strict validation rejects an unguarded read.
  // A test schema that declares it required lets such a policy load; without a principal it errors.
  const requiredPrincipalSchema = schemaText.replace('principal?: Principal', 'principal: Principal');
  const unguarded = {
    name: 'unguarded.cedar',
    text: `@id("forbid-risky-human") forbid (principal, action, resource) when { context.principal.risk == "high" };`,
  };

  it('an erroring forbid denies instead of letting the permit through', () => {
    const e = loadPolicies(cedar, requiredPrincipalSchema, [devPolicies, unguarded]);
    const d = e.decide(request());
    expect(d.decision).toBe('deny');
    expect(d.policyIds).toEqual(['forbid-risky-human']);
    expect(d.maxTtl).toBeNull();
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatch(/^forbid-risky-human: /);
    // with the attribute present it evaluates normally
    expect(e.decide(request({ principal: { id: 'alice', risk: 'low' } })).decision).toBe('allow');
    // (dev.cedar's own forbid-high-risk-human denies it too)
    expect(e.decide(request({ principal: { id: 'alice', risk: 'high' } }))).toMatchObject({
      decision: 'deny',
      policyIds: expect.arrayContaining(['forbid-risky-human']),
      errors: [],
    });
  });

  it('an error that passes strict validation (integer overflow) also denies', () => {
    const overflow = {
      name: 'overflow.cedar',
      text: `@id("forbid-overflow") forbid (principal, action, resource) when { context.requested_ttl * 4611686018427387904 < 0 };`,
    };
    const e = loadPolicies(cedar, schemaText, [devPolicies, overflow]);
    expect(e.decide(request({ context: { requested_ttl: 1 } })).decision).toBe('allow');
    const d = e.decide(request({ context: { requested_ttl: 3600 } }));
    expect(d).toMatchObject({ decision: 'deny', policyIds: ['forbid-overflow'] });
    expect(d.errors[0]).toContain('overflow');
  });

  it('an erroring permit next to a satisfied forbid names both', () => {
    const permit = {
      name: 'p.cedar',
      text: `@id("permit-overflow") permit (principal, action, resource) when { context.requested_ttl * 4611686018427387904 < 0 };`,
    };
    const e = loadPolicies(cedar, schemaText, [devPolicies, permit]);
    const d = e.decide(request({ action: 'admin', context: { requested_ttl: 3600 } }));
    expect(d.decision).toBe('deny');
    expect(d.policyIds).toEqual(['forbid-admin', 'permit-overflow']);
  });
});

describe('engine lifecycle', () => {
  it('each load gets its own preparsed set, so reloading does not disturb the old engine', () => {
    const denyAll = { name: 'deny.cedar', text: '@id("nothing") forbid (principal, action, resource);' };
    const a = loadPolicies(cedar, schemaText, [devPolicies], 'same');
    const b = loadPolicies(cedar, schemaText, [denyAll], 'same');
    expect(a.decide(request()).decision).toBe('allow');
    expect(b.decide(request())).toMatchObject({ decision: 'deny', policyIds: ['nothing'] });
  });

  it('a disposed engine throws PolicyError', () => {
    const e = loadPolicies(cedar, schemaText, [devPolicies]);
    e.dispose();
    expect(() => e.decide(request())).toThrow(PolicyError);
    try {
      e.decide(request());
    } catch (err) {
      expect((err as PolicyError).code).toBe('ERR_POLICY_DISPOSED');
    }
  });

  it('a failing Cedar call throws PolicyError ERR_POLICY_EVAL', () => {
    const failing = {
      ...cedar,
      statefulIsAuthorized: () => ({ type: 'failure' as const, errors: [{ message: 'boom', help: null, code: null, url: null, severity: null }], warnings: [] }),
    };
    const e = loadPolicies(failing, schemaText, [devPolicies]);
    expect(() => e.decide(request())).toThrow(expect.objectContaining({ code: 'ERR_POLICY_EVAL' }));
  });
});

describe('explain', () => {
  it('shows each policy as satisfied, errored and deciding', () => {
    const { decision, policies } = engine.explain(request({ action: 'write', agent: { risk: 'high' } }));
    expect(decision.decision).toBe('deny');
    const byId = Object.fromEntries(policies.map((p) => [p.id, p]));
    expect(byId['write']).toMatchObject({ effect: 'permit', satisfied: true, deciding: false, maxTtl: 900 });
    expect(byId['forbid-high-risk-agent']).toMatchObject({ effect: 'forbid', satisfied: true, deciding: true });
    expect(byId['read-unrestricted']).toMatchObject({ satisfied: false, errored: false, deciding: false });
    expect(policies.map((p) => p.file)).toEqual(Array(10).fill('dev.cedar'));
  });

  it('marks erroring policies', () => {
    const overflow = {
      name: 'o.cedar',
      text: `@id("forbid-overflow") forbid (principal, action, resource) when { context.requested_ttl * 4611686018427387904 < 0 };`,
    };
    const e = loadPolicies(cedar, schemaText, [devPolicies, overflow]);
    const { decision, policies } = e.explain(request());
    expect(decision.decision).toBe('deny');
    expect(policies.find((p) => p.id === 'forbid-overflow')).toMatchObject({ errored: true, satisfied: false, deciding: true });
    expect(policies.find((p) => p.id === 'read-unrestricted')).toMatchObject({ satisfied: true, deciding: false });
  });
});
