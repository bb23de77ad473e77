import { describe, expect, it } from 'vitest';
import { combineObligations, readObligations } from '../../src/policy/annotations.ts';

describe('readObligations', () => {
  it.each([
    [{ approval: 'owner' }, { approval: 'owner', maxTtl: null, unregistered: false }],
    [{ approval: 'principal' }, { approval: 'principal', maxTtl: null, unregistered: false }],
    [{ approval: 'group:sre-oncall' }, { approval: 'group:sre-oncall', maxTtl: null, unregistered: false }],
    [{ max_ttl: '90s' }, { approval: null, maxTtl: 90, unregistered: false }],
    [{ max_ttl: '15m' }, { approval: null, maxTtl: 900, unregistered: false }],
    [{ max_ttl: '1d' }, { approval: null, maxTtl: 86400, unregistered: false }],
    [{ id: 'x', description: 'anything' }, { approval: null, maxTtl: null, unregistered: false }],
    [{ unregistered: 'allow' }, { approval: null, maxTtl: null, unregistered: true }],
  ])('%j', (annotations, want) => {
    expect(readObligations('permit', annotations)).toEqual({ ...want, problems: [] });
  });
});

describe('combineObligations', () => {
  it('no permits carry nothing', () => {
    expect(combineObligations([])).toEqual({ approval: null, maxTtl: null, unregistered: false });
  });
  it('keeps distinct approvals sorted and the minimum ttl', () => {
    expect(
      combineObligations([
        { approval: 'owner', maxTtl: 3600, unregistered: false },
        { approval: null, maxTtl: null, unregistered: true },
        { approval: 'group:sre', maxTtl: 300, unregistered: false },
        { approval: 'owner', maxTtl: 900, unregistered: false },
      ]),
    ).toEqual({ approval: 'group:sre,owner', maxTtl: 300, unregistered: true });
  });
  it('refuses @unregistered with another value, and on a forbid', () => {
    expect(readObligations('permit', { unregistered: 'yes' }).problems).toEqual(['@unregistered("yes"): expected "allow"']);
    expect(readObligations('forbid', { unregistered: 'allow' }).problems).toEqual(['@approval, @max_ttl and @unregistered only apply to permit policies']);
  });
});
