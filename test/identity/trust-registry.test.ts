import { describe, expect, it } from 'vitest';
import type { TrustedIssuerConfig } from '../../src/config/schema.ts';
import { IdentityError } from '../../src/identity/identity-error.ts';
import { createTrustRegistry } from '../../src/identity/trust-registry.ts';
import { claimsAt, frozenClock, issuer, jwksOf, makeKey, signToken, T0 } from './helpers.ts';

const clock = frozenClock();

const opts = { clockSkewSeconds: 60, maxTokenBytes: 4096 };
const someKey = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };

describe('createTrustRegistry refuses unusable configuration at start', () => {
  it.each<[string, TrustedIssuerConfig, RegExp]>([
    ['jwks_file not resolved by the edge', issuer({ name: 'f', issuer: 'https://f', jwks_file: '/etc/keys.json' }), /jwks_file was not resolved/],
    ['no key source at all', issuer({ name: 'n', issuer: 'https://n' }), /no jwks, jwks_uri or jwks_file/],
    ['inline private key', issuer({ name: 'p', issuer: 'https://p', jwks: { keys: [{ ...someKey, d: 'x' }] } }), /private or symmetric/],
    ['inline key that is not a JWK', issuer({ name: 'j', issuer: 'https://j', jwks: { keys: [{ x: 1 }] } }), /not a JWK/],
    ['uppercase trust domain', issuer({ name: 't', issuer: 'https://t', jwks: { keys: [someKey] }, spiffe_trust_domains: ['Prod.test'] }), /not a valid SPIFFE trust domain/],
    ['bad subject pattern', issuer({ name: 'r', issuer: 'https://r', jwks: { keys: [someKey] }, subject_patterns: ['user-('] }), /subject_patterns\[0\]/],
  ])('%s', (_name, cfg, message) => {
    expect(() => createTrustRegistry([cfg], opts)).toThrow(message);
  });

  it('accepts jwks_file once the edge has filled in jwks, and verifies with those keys', async () => {
    const key = await makeKey('ES256', 'file-1');
    const cfg = issuer({ name: 'f', issuer: 'https://f', jwks_file: '/etc/keys.json', jwks: jwksOf(key) });
    const reg = createTrustRegistry([cfg], { ...opts, now: clock.now });
    const verified = await reg.verify(await signToken(key, claimsAt(T0, 'https://f', 'svc-1')), ['workload']);
    expect(verified).toMatchObject({ issuer: 'https://f', subject: 'svc-1' });
  });
});

describe('warm()', () => {
  it('is a no-op for inline keys: nothing is fetched, and tokens verify afterwards', async () => {
    const key = await makeKey('ES256', 'inline-1');
    let fetches = 0;
    const counting: typeof fetch = async () => {
      fetches++;
      return new Response('{}', { status: 500 });
    };
    const reg = createTrustRegistry([issuer({ name: 'i', issuer: 'https://i', jwks: jwksOf(key) })], { ...opts, fetch: counting, now: clock.now });
    await expect(reg.warm()).resolves.toBeUndefined();
    expect(fetches).toBe(0);
    expect(await reg.verify(await signToken(key, claimsAt(T0, 'https://i', 'svc-2')), ['workload'])).toMatchObject({ subject: 'svc-2' });
    expect(fetches).toBe(0);
  });

  it('names every issuer whose keys could not be loaded', async () => {
    const down: typeof fetch = async () => new Response('no', { status: 503 });
    const reg = createTrustRegistry(
      [
        issuer({ name: 'a', issuer: 'https://a', jwks_uri: 'https://a/jwks' }),
        issuer({ name: 'ok', issuer: 'https://ok', jwks: { keys: [someKey] } }),
        issuer({ name: 'b', issuer: 'https://b', jwks_uri: 'https://b/jwks' }),
      ],
      { ...opts, fetch: down },
    );
    const err = await reg.warm().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityError);
    expect((err as IdentityError).message).toMatch(/issuer a unavailable: HTTP 503.*issuer b unavailable: HTTP 503/);
  });
});
