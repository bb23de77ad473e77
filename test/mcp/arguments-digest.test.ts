import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { argumentsDigest, canonicalJson } from '../../src/mcp/arguments-digest.ts';

describe('RFC 8785 canonical JSON of tool arguments', () => {
  it('matches the RFC 8785 §3.2.2 example byte for byte', () => {
    const input = '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}';
    expect(canonicalJson(JSON.parse(input))).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts members by UTF-16 code units, at every depth', () => {
    // U+FB33 sorts after U+1F600 by UTF-16 code units (0xFB33 > 0xD83D), though not by code point.
    expect(canonicalJson(JSON.parse('{"\\ufb33":1,"😀":2,"b":{"z":1,"a":[{"y":1,"x":2}]}}'))).toBe('{"b":{"a":[{"x":2,"y":1}],"z":1},"😀":2,"\ufb33":1}');
  });

  it('is the SHA-256 of those bytes, the same for any member order or whitespace', async () => {
    const a = await argumentsDigest(JSON.parse('{"id": "q3", "text": "x"}'));
    const b = await argumentsDigest(JSON.parse('{"text":"x","id":"q3"}'));
    expect(a).toBe(b);
    expect(a).toBe('sha256:' + createHash('sha256').update('{"id":"q3","text":"x"}').digest('hex'));
    expect(await argumentsDigest(undefined)).toBe('sha256:' + createHash('sha256').update('{}').digest('hex'));
  });

  it('refuses what JSON cannot carry rather than serialise it some other way', () => {
    for (const v of [{ a: NaN }, { a: Infinity }, { a: undefined }, [1, , 2], { d: new Date(0) }, { f: () => 1 }]) expect(() => canonicalJson(v)).toThrow(TypeError);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeply/);
  });
});
