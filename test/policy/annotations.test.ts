import { describe, expect, it } from 'vitest';
import { combineObligations, readObligations } from '../../src/policy/annotations.ts';

describe('readObligations', () => {
  it.each([
    [{ approval: 'owner' }, { approval: 'owner', maxTtl: null }],
    [{ approval: 'principal' }, { approval: 'principal', maxTtl: null }],
    [{ approval: 'group:sre-oncall' }, { approval: 'group:sre-oncall', maxTtl: null }],
    [{ max_ttl: '90s' }, { approval: null, maxTtl: 90 }],
    [{ max_ttl: '15m' }, { approval: null, maxTtl: 900 }],
    [{ max_ttl: '1d' }, { approval: null, maxTtl: 86400 }],
    [{ id: 'x', description: 'anything' }, { approval: null, maxTtl: null }],
  ])('%j', (annotations, want) => {
    expect(readObligations('permit', annotations)).toEqual({ ...want, problems: [] });
  });
});

describe('combineObligations', () => {
  it('no permits carry nothing', () => {
    expect(combineObligations([])).toEqual({ approval: null, maxTtl: null });
  });
  it('keeps distinct approvals sorted and the minimum ttl', () => {
    expect(
      combineObligations([
        { approval: 'owner', maxTtl: 3600 },
        { approval: null, maxTtl: null },
        { approval: 'group:sre', maxTtl: 300 },
        { approval: 'owner', maxTtl: 900 },
      ]),
    ).toEqual({ approval: 'group:sre,owner', maxTtl: 300 });
  });
});
