import { describe, expect, it } from 'vitest';
import type { ActClaim } from '../../src/model/grant.ts';
import { actDepth, buildActClaim, parseActClaim } from '../../src/identity/delegation.ts';
import { IdentityError } from '../../src/identity/identity-error.ts';
import type { VerifiedToken } from '../../src/identity/verified-token.ts';

const actor = (agentId: string, iss: string): VerifiedToken => ({
  issuer: iss,
  issuerName: 'spire',
  kind: 'workload',
  subject: agentId,
  spiffeId: null,
  agentId,
  expiresAt: 0,
  claims: { secret_claim: 'not copied' },
  vouched: { email: null, groups: [] },
});

describe('buildActClaim / actDepth', () => {
  it('puts the current actor outermost and nests the chain so far', () => {
    const first = buildActClaim(actor('spiffe://td/orchestrator', 'https://spire'), null);
    expect(first).toEqual({ sub: 'spiffe://td/orchestrator', iss: 'https://spire' });
    const second = buildActClaim(actor('spiffe://td/sub-agent', 'https://spire'), first);
    expect(second).toEqual({ sub: 'spiffe://td/sub-agent', iss: 'https://spire', act: first });
    expect(actDepth(null)).toBe(0);
    expect(actDepth(first)).toBe(1);
    expect(actDepth(second)).toBe(2);
  });
});

describe('parseActClaim', () => {
  const chain = (n: number): ActClaim => {
    let a: ActClaim = { sub: 'a0' };
    for (let i = 1; i < n; i++) a = { sub: `a${i}`, iss: 'https://i', act: a };
    return a;
  };

  it.each([
    ['undefined is no delegation', undefined, null],
    ['null is no delegation', null, null],
    ['one actor', { sub: 'x' }, { sub: 'x' }],
    ['one actor with iss', { sub: 'x', iss: 'https://i' }, { sub: 'x', iss: 'https://i' }],
    ['drops unknown members', { sub: 'x', client_id: 'c', act: { sub: 'y', may_act: {} } }, { sub: 'x', act: { sub: 'y' } }],
    ['chain at the maximum depth', chain(3), chain(3)],
  ] as const)('%s', (_name, input, expected) => {
    expect(parseActClaim(input, 3)).toEqual(expected);
  });

  it.each([
    ['a string', 'spiffe://td/a'],
    ['an array', [{ sub: 'x' }]],
    ['no sub', { iss: 'https://i' }],
    ['empty sub', { sub: '' }],
    ['numeric sub', { sub: 1 }],
    ['numeric iss', { sub: 'x', iss: 1 }],
    ['nested act not an object', { sub: 'x', act: 'y' }],
    ['nested act null', { sub: 'x', act: null }],
    ['nested act without sub', { sub: 'x', act: {} }],
    ['sub too long', { sub: 'x'.repeat(2049) }],
    ['one deeper than the maximum', chain(4)],
    ['hostile deep nesting', chain(10_000)],
  ])('throws bad_delegation for %s', (_name, input) => {
    expect(() => parseActClaim(input, 3)).toThrow(IdentityError);
    try {
      parseActClaim(input, 3);
    } catch (e) {
      expect((e as IdentityError).code).toBe('bad_delegation');
    }
  });

  it('round-trips what buildActClaim produces', () => {
    const built = buildActClaim(actor('b', 'https://i'), buildActClaim(actor('a', 'https://i'), null));
    expect(parseActClaim(JSON.parse(JSON.stringify(built)), 3)).toEqual(built);
  });
});
