import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JwksSharedCache, JwksSharedEntry } from '../../src/identity/jwks-cache.ts';
import { createTrustRegistry } from '../../src/identity/trust-registry.ts';
import { claimsAt, frozenClock, issuer, jwksOf, makeKey, signToken, startJwksServer, T0, type JwksServer, type TestKey } from './helpers.ts';

// Workers run many isolates; a key set one of them fetched serves the others through a shared
// cache (the Worker uses the Cache API). Each registry here stands for one isolate.
const ISS = 'https://spire.test';
const REFRESH = 300;

let k1: TestKey;
let k2: TestKey;
beforeAll(async () => {
  [k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2')]);
});
const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function memoryCache(): JwksSharedCache & { entries: Map<string, JwksSharedEntry> } {
  const entries = new Map<string, JwksSharedEntry>();
  return { entries, get: async (uri) => entries.get(uri) ?? null, put: async (uri, e) => void entries.set(uri, e) };
}

async function setup(initial: unknown) {
  const server = await startJwksServer(initial);
  servers.push(server);
  const clock = frozenClock();
  const shared = memoryCache();
  const isolate = () =>
    createTrustRegistry([issuer({ name: 'spire', issuer: ISS, jwks_uri: server.url, jwks_refresh: REFRESH, jwks_cooldown: 30 })], {
      now: clock.now,
      clockSkewSeconds: 60,
      maxTokenBytes: 4096,
      sharedJwksCache: shared,
    });
  const token = (k: TestKey) => signToken(k, claimsAt(T0, ISS, 'agent', { iat: T0, exp: T0 + 80_000 }));
  return { server, clock, shared, isolate, token };
}

describe('remote JWKS shared across isolates', () => {
  it('a second isolate verifies with the key set the first fetched, without asking the origin', async () => {
    const { server, shared, isolate, token } = await setup(jwksOf(k1));
    await isolate().verify(await token(k1), ['workload']);
    expect(server.requests()).toBe(1);
    expect(shared.entries.size).toBe(1);
    for (let i = 0; i < 3; i++) await isolate().verify(await token(k1), ['workload']);
    expect(server.requests()).toBe(1);
  });

  it('a shared entry past the refresh age is not used: the origin is asked again', async () => {
    const { server, clock, isolate, token } = await setup(jwksOf(k1));
    await isolate().verify(await token(k1), ['workload']);
    clock.advance(REFRESH);
    await isolate().verify(await token(k1), ['workload']);
    expect(server.requests()).toBe(2);
  });

  it('a rotated key one isolate fetched for an unknown kid reaches an isolate that already held the old set', async () => {
    const { server, clock, isolate, token } = await setup(jwksOf(k1));
    const a = isolate();
    const b = isolate();
    await a.verify(await token(k1), ['workload']);
    await b.verify(await token(k1), ['workload']);
    expect(server.requests()).toBe(1);
    server.setBody(jwksOf(k1, k2));
    clock.advance(31);
    await a.verify(await token(k2), ['workload']);
    expect(server.requests()).toBe(2);
    // b misses k2 too, but finds a newer set in the shared cache before it would ask the origin.
    await b.verify(await token(k2), ['workload']);
    expect(server.requests()).toBe(2);
  });

  it('garbage in the shared cache is ignored, never trusted', async () => {
    const { server, shared, isolate, token } = await setup(jwksOf(k1));
    shared.entries.set(server.url, { jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] }, fetchedAt: Date.now() });
    await isolate().verify(await token(k1), ['workload']);
    expect(server.requests()).toBe(1);
  });
});
