import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/audit/canonical.ts';

/** The first, obviously correct form; the fast one must give the same bytes (existing hashes depend on them). */
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return '[' + v.map(reference).join(',') + ']';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + reference(o[k])).join(',') + '}';
}

describe('stableStringify', () => {
  it.each([
    ['scalars', [null, undefined, 0, -0, 1.5, 1e21, NaN, Infinity, true, false, '', 'a"b\\c\n\u2028', '\ud800']],
    ['flat detail', { gateway: 'gateway-key:abc', tool: 't', arguments_digest: 'sha256:ab', cached: true, fingerprint: null, expires_at: 1 }],
    ['undefined members and holes', { a: undefined, b: [undefined, , 1], c: { d: undefined } }],
    ['key order by code unit', { b: 1, a: 2, B: 3, é: 4, '10': 5, '9': 6, '': 7, 'a\u0000': 8 }],
    ['nesting', { act: { sub: 'x', act: { sub: 'y', act: null } }, list: [[], {}, [{ z: 1, y: [2] }]] }],
    ['dates and empty objects', { when: new Date(0), empty: {}, arr: [] }],
    ['the first member undefined', { a: undefined, b: 1 }],
    // Already sorted and flat (as a detail read back from the store): the JSON.stringify fast path.
    ['sorted flat', { arguments_digest: 'sha256:ab', cached: true, expires_at: 1, fingerprint: null, tool: 't\u2028"' }],
    ['sorted flat with odd numbers', { a: NaN, b: -0, c: Infinity, d: 1e21, e: -1.5 }],
    ['sorted with an undefined member', { a: 1, b: undefined, c: 2 }],
    ['sorted integer-like keys', { '1': 'a', '2': 'b', '10': 'c' }],
    ['sorted, without a prototype', Object.assign(Object.create(null), { a: 1, b: 2 })],
    ['sorted class instance', new (class { a = 1; b = 'x'; })()],
    ['sorted, a nested object last', { a: 1, z: { y: 1, x: 2 } }],
  ])('%s: same bytes as the reference', (_name, value) => {
    expect(stableStringify(value)).toBe(reference(value));
  });
});
