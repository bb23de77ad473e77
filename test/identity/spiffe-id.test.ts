import { describe, expect, it } from 'vitest';
import { isTrustDomain, parseSpiffeId } from '../../src/identity/spiffe-id.ts';

const valid: [name: string, input: string, trustDomain: string, path: string][] = [
  ['trust domain only', 'spiffe://example.org', 'example.org', ''],
  ['simple path', 'spiffe://example.org/workload', 'example.org', '/workload'],
  ['nested path', 'spiffe://prod.acme.com/ns/payments/sa/api', 'prod.acme.com', '/ns/payments/sa/api'],
  ['all trust domain chars', 'spiffe://a-b_c.d0-9/x', 'a-b_c.d0-9', '/x'],
  ['all path chars incl. uppercase', 'spiffe://td/Az09.-_', 'td', '/Az09.-_'],
  ['segment with dots that is not . or ..', 'spiffe://td/.../a.b', 'td', '/.../a.b'],
  ['trust domain of 255 chars', `spiffe://${'a'.repeat(255)}/x`, 'a'.repeat(255), '/x'],
  ['exactly 2048 bytes', `spiffe://td/${'a'.repeat(2048 - 'spiffe://td/'.length)}`, 'td', `/${'a'.repeat(2048 - 12)}`],
];

const invalid: [name: string, input: string][] = [
  ['empty string', ''],
  ['uppercase scheme', 'SPIFFE://td/a'],
  ['mixed-case scheme', 'Spiffe://td/a'],
  ['other scheme', 'https://td/a'],
  ['missing slashes', 'spiffe:td/a'],
  ['single slash', 'spiffe:/td/a'],
  ['scheme only', 'spiffe://'],
  ['empty trust domain with path', 'spiffe:///path'],
  ['uppercase trust domain', 'spiffe://TD/a'],
  ['partly uppercase trust domain', 'spiffe://Example.org/a'],
  ['port', 'spiffe://td:8080/a'],
  ['userinfo', 'spiffe://user@td/a'],
  ['userinfo with password', 'spiffe://user:pw@td/a'],
  ['empty segment', 'spiffe://td/a//b'],
  ['dot-dot segment', 'spiffe://td/a/../b'],
  ['dot segment', 'spiffe://td/./b'],
  ['trailing dot-dot', 'spiffe://td/a/..'],
  ['trailing slash', 'spiffe://td/a/'],
  ['trailing slash after trust domain', 'spiffe://td/'],
  ['query', 'spiffe://td/a?x'],
  ['query on trust domain', 'spiffe://td?x'],
  ['fragment', 'spiffe://td/a#f'],
  ['percent-encoded char', 'spiffe://td/a%20b'],
  ['percent-encoded slash', 'spiffe://td/a%2Fb'],
  ['percent in trust domain', 'spiffe://t%64/a'],
  ['unicode in path', 'spiffe://td/caf\u00e9'],
  ['unicode in trust domain', 'spiffe://t\u00e9d/a'],
  ['NUL in path', 'spiffe://td/a\u0000b'],
  ['NUL in trust domain', 'spiffe://t\u0000d/a'],
  ['space in path', 'spiffe://td/a b'],
  ['leading whitespace', ' spiffe://td/a'],
  ['trailing newline', 'spiffe://td/a\n'],
  ['backslash', 'spiffe://td/a\\b'],
  ['trust domain of 256 chars', `spiffe://${'a'.repeat(256)}/x`],
  ['2049 bytes', `spiffe://td/${'a'.repeat(2049 - 12)}`],
];

describe('parseSpiffeId', () => {
  it.each(valid)('accepts %s', (_name, input, trustDomain, path) => {
    const id = parseSpiffeId(input);
    expect(id).not.toBeNull();
    expect(id!.trustDomain).toBe(trustDomain);
    expect(id!.path).toBe(path);
    expect(id!.toString()).toBe(input);
    expect(String(id)).toBe(input);
  });

  it.each(invalid)('rejects %s', (_name, input) => {
    expect(parseSpiffeId(input)).toBeNull();
  });

  it('rejects non-strings without throwing', () => {
    expect(parseSpiffeId(42 as unknown as string)).toBeNull();
    expect(parseSpiffeId(undefined as unknown as string)).toBeNull();
  });

  it('returns frozen values', () => {
    const id = parseSpiffeId('spiffe://td/a')!;
    expect(Object.isFrozen(id)).toBe(true);
  });
});

describe('isTrustDomain', () => {
  it.each([
    ['plain', 'example.org', true],
    ['uppercase', 'Example.org', false],
    ['with port', 'td:1', false],
    ['empty', '', false],
    ['with path', 'td/a', false],
  ] as const)('%s', (_name, td, ok) => {
    expect(isTrustDomain(td)).toBe(ok);
  });
});
