import { describe, expect, it } from 'vitest';
import { checkPolicies, loadPolicies, PolicyLoadError } from '../../src/policy/engine.ts';
import { cedar, devPolicies, schemaText } from './fixtures.ts';

function loadProblems(sources: { name: string; text: string }[], schema = schemaText): string[] {
  try {
    loadPolicies(cedar, schema, sources);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyLoadError);
    expect((err as PolicyLoadError).code).toBe('ERR_POLICY_LOAD');
    return [...(err as PolicyLoadError).problems];
  }
  throw new Error('expected loadPolicies to throw');
}

describe('load errors name the file and policy', () => {
  it('a parse error names the file with line and column', () => {
    const bad = { name: 'broken.cedar', text: 'permit (principal, action, resource);\n\npermit (principal, action, resource) when { 1 + };' };
    const problems = loadProblems([devPolicies, bad]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^broken\.cedar: 3:\d+: unexpected token/);
  });

  it('a schema-validation error names the file and policy id', () => {
    const bad = {
      name: 'typo.cedar',
      text: '@id("typo") permit (principal, action, resource) when { principal.riskk == "low" };',
    };
    const problems = loadProblems([devPolicies, bad]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^typo\.cedar: policy "typo": .*riskk/);
  });

  it('an unguarded optional attribute is a validation error', () => {
    const bad = { name: 'u.cedar', text: '@id("u") forbid (principal, action, resource) when { context.principal.risk == "high" };' };
    const problems = loadProblems([bad]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('u.cedar: policy "u": '))).toBe(true);
  });

  it('a schema that does not parse is reported', () => {
    const problems = loadProblems([devPolicies], 'namespace Tollgate { entity Agent = { risk: Strin }; }');
    expect(problems[0]).toMatch(/^schema: /);
  });

  it('duplicate ids across files are rejected', () => {
    const again = { name: 'again.cedar', text: '@id("write") permit (principal, action == Tollgate::Action::"write", resource);' };
    expect(loadProblems([devPolicies, again])).toEqual(['again.cedar: policy "write": duplicate id (first in dev.cedar)']);
  });

  it('duplicate ids within a file are rejected', () => {
    const twice = { name: 't.cedar', text: '@id("x") permit (principal, action, resource);\n@id("x") forbid (principal, action, resource);' };
    expect(loadProblems([twice])).toEqual(['t.cedar: policy "x": duplicate id (first in t.cedar)']);
  });

  it.each([
    ['@max_ttl("soon")', /@max_ttl\("soon"\): expected a duration/],
    ['@max_ttl("0s")', /@max_ttl\("0s"\)/],
    ['@max_ttl', /@max_ttl\(\)/],
    ['@approval("boss")', /@approval\("boss"\): expected "owner", "principal" or "group:<name>"/],
    ['@approval("group:")', /@approval\("group:"\)/],
    ['@approval("group:a,b")', /@approval\("group:a,b"\)/],
    ['@id("")', /@id must not be empty/],
  ])('bad annotation %s is a load error', (annotation, message) => {
    const src = { name: 'ann.cedar', text: `${annotation} permit (principal, action, resource);` };
    const problems = loadProblems([src]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ann\.cedar/);
    expect(problems[0]).toMatch(message);
  });

  it('obligations on a forbid are a load error', () => {
    const src = { name: 'f.cedar', text: '@id("f") @max_ttl("1h") forbid (principal, action, resource);' };
    expect(loadProblems([src])).toEqual(['f.cedar: policy "f": @approval, @max_ttl and @unregistered only apply to permit policies']);
  });

  it('templates are rejected', () => {
    const src = { name: 'tpl.cedar', text: 'permit (principal == ?principal, action, resource);' };
    expect(loadProblems([src])[0]).toMatch(/^tpl\.cedar: policy templates are not supported/);
  });

  it('lists every problem at once', () => {
    const a = { name: 'a.cedar', text: '@id("a") @approval("nobody") permit (principal, action, resource);' };
    const b = { name: 'b.cedar', text: '@id("b") permit (principal, action, resource) when { resource.colour == "red" };' };
    const c = { name: 'c.cedar', text: 'permit (' };
    const problems = loadProblems([a, b, c]);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['a.cedar', 'c.cedar', 'b.cedar']);
  });
});

describe('generated ids', () => {
  it('policies without @id get <file>#<index> in source order, also past ten', () => {
    const text = Array.from({ length: 12 }, (_, i) =>
      i === 5 ? '@id("named") permit (principal, action, resource);' : `permit (principal, action, resource) when { context.now > ${i} };`,
    ).join('\n');
    const e = loadPolicies(cedar, schemaText, [{ name: 'many.cedar', text }]);
    const want = Array.from({ length: 12 }, (_, i) => (i === 5 ? 'named' : `many.cedar#${i}`));
    expect(e.policyIds).toEqual(want);
    // the id really belongs to the policy at that position
    const { policies } = e.explain({
      agent: { id: 'a', owner: 'o', trust_domain: 't', risk: 'low' },
      principal: null,
      action: 'read',
      resource: { id: 'r', provider: 'p', classification: 'c' },
      context: { task_id: 't', intent: '', delegation_depth: 0, requested_ttl: 1, now: 10 },
    });
    const satisfied = policies.filter((p) => p.satisfied).map((p) => p.id);
    expect(satisfied).toEqual(['many.cedar#0', 'many.cedar#1', 'many.cedar#2', 'many.cedar#3', 'many.cedar#4', 'named', 'many.cedar#6', 'many.cedar#7', 'many.cedar#8', 'many.cedar#9']);
  });
});

describe('checkPolicies', () => {
  it('passes the dev policies', () => {
    expect(checkPolicies(cedar, schemaText, [devPolicies])).toEqual({
      ok: true,
      problems: [],
      warnings: [],
      policyIds: [
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
      ],
    });
  });

  it('reports problems without throwing', () => {
    const bad = { name: 'bad.cedar', text: '@id("bad") @max_ttl("forever") permit (principal, action, resource);' };
    const r = checkPolicies(cedar, schemaText, [devPolicies, bad]);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['bad.cedar: policy "bad": @max_ttl("forever"): expected a duration such as "90s", "15m", "1h", "1d"']);
    expect(r.policyIds).toContain('bad');
  });
});
