import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRemoteJwks } from '../../src/identity/jwks-cache.ts';
import { IdentityError } from '../../src/identity/identity-error.ts';
import { createTrustRegistry } from '../../src/identity/trust-registry.ts';
import { claimsAt, codeOf, frozenClock, issuer, jwksOf, makeKey, signToken, startJwksServer, T0, type JwksServer, type TestKey } from './helpers.ts';

const ISS = 'https://spire.test';
const REFRESH = 300;
const COOLDOWN = 30;

let k1: TestKey;
let k2: TestKey;
beforeAll(async () => {
  [k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('EdDSA', 'k2')]);
});

const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(initial: unknown = jwksOf(k1)) {
  const server = await startJwksServer(initial);
  servers.push(server);
  const clock = frozenClock();
  const refreshErrors: string[] = [];
  const registry = createTrustRegistry(
    [issuer({ name: 'spire', issuer: ISS, jwks_uri: server.url, jwks_refresh: REFRESH, jwks_cooldown: COOLDOWN })],
    { now: clock.now, clockSkewSeconds: 60, maxTokenBytes: 4096, onKeyRefreshError: (e, name) => refreshErrors.push(`${name}: ${e.code}`) },
  );
  // Tokens are signed at T0 with a 10-day-safe window so advancing the clock never expires them.
  const token = (k: TestKey) => signToken(k, claimsAt(T0, ISS, 'agent', { iat: T0, exp: T0 + 80_000 }));
  const verify = async (k: TestKey) => registry.verify(await token(k), ['workload']);
  return { server, clock, registry, token, verify, refreshErrors };
}

/** Lets a background fetch finish. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('remote JWKS (real HTTP server)', () => {
  it('warm loads once; the steady state makes no request-path fetch', async () => {
    const { server, registry, verify } = await setup();
    await registry.warm();
    expect(server.requests()).toBe(1);
    for (let i = 0; i < 20; i++) await verify(k1);
    expect(server.requests()).toBe(1);
  });

  it('stale keys are refreshed in the background while requests answer from cache', async () => {
    const { server, clock, registry, verify } = await setup();
    await registry.warm();
    clock.advance(REFRESH + 1);
    const release = server.hold();
    // The key server now hangs; verification must not wait for it.
    const v = await verify(k1);
    expect(v.subject).toBe('agent');
    await vi.waitFor(() => expect(server.requests()).toBe(2));
    await verify(k1); // one refresh in flight is enough
    expect(server.requests()).toBe(2);
    release();
    await settle();
    await verify(k1);
    expect(server.requests()).toBe(2); // fresh again
  });

  it('a failed background refresh keeps the cached keys and is reported', async () => {
    const { server, clock, registry, verify, refreshErrors } = await setup();
    await registry.warm();
    clock.advance(REFRESH + 1);
    server.setStatus(500);
    await verify(k1);
    await settle();
    expect(refreshErrors).toEqual(['spire: keys_unavailable']);
    await verify(k1); // within cooldown of the failed attempt: no new fetch
    expect(server.requests()).toBe(2);
    clock.advance(COOLDOWN);
    await verify(k1);
    await settle();
    expect(server.requests()).toBe(3);
  });

  it('an unknown kid refetches once, then not again within the cooldown', async () => {
    const { server, clock, registry, verify } = await setup();
    await registry.warm();
    clock.advance(COOLDOWN);
    expect(await codeOf(() => verify(k2))).toBe('unknown_key');
    expect(server.requests()).toBe(2);
    for (let i = 0; i < 5; i++) expect(await codeOf(() => verify(k2))).toBe('unknown_key');
    expect(server.requests()).toBe(2);
    clock.advance(COOLDOWN - 1);
    expect(await codeOf(() => verify(k2))).toBe('unknown_key');
    expect(server.requests()).toBe(2);
    clock.advance(1);
    expect(await codeOf(() => verify(k2))).toBe('unknown_key');
    expect(server.requests()).toBe(3);
  });

  it('rotation: a token with the new kid works as soon as the issuer publishes it', async () => {
    const { server, clock, registry, verify } = await setup();
    await registry.warm();
    server.setBody(jwksOf(k1, k2));
    clock.advance(COOLDOWN);
    expect((await verify(k2)).subject).toBe('agent');
    expect(server.requests()).toBe(2);
    server.setBody(jwksOf(k2)); // old key retired
    clock.advance(REFRESH + 1);
    await verify(k1); // served from cache, refresh starts behind it
    await settle();
    expect(await codeOf(() => verify(k1))).toBe('unknown_key');
    expect((await verify(k2)).subject).toBe('agent');
  });

  it('concurrent unknown-kid requests share one fetch', async () => {
    const { server, clock, registry, token } = await setup();
    await registry.warm();
    server.setBody(jwksOf(k1, k2));
    clock.advance(COOLDOWN);
    const release = server.hold();
    const tok = await token(k2);
    const all = Promise.all(Array.from({ length: 25 }, () => registry.verify(tok, ['workload'])));
    await vi.waitFor(() => expect(server.requests()).toBe(2));
    release();
    const results = await all;
    expect(results.every((r) => r.subject === 'agent')).toBe(true);
    expect(server.requests()).toBe(2);
  });

  it('a down JWKS server at warm() gives a clear error', async () => {
    const { server, registry } = await setup();
    await server.close();
    const err = await registry.warm().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityError);
    expect((err as IdentityError).code).toBe('keys_unavailable');
    expect((err as IdentityError).temporary).toBe(true);
    expect((err as IdentityError).message).toMatch(/keys of issuer spire unavailable: fetch failed/);
  });

  it('without a successful warm, the first request loads (once per cooldown)', async () => {
    const { server, clock, registry, verify } = await setup();
    server.setStatus(503);
    expect(await codeOf(() => registry.warm())).toBe('keys_unavailable');
    expect(await codeOf(() => verify(k1))).toBe('keys_unavailable'); // cooling down: no fetch
    expect(server.requests()).toBe(1);
    server.setStatus(200);
    clock.advance(COOLDOWN);
    expect((await verify(k1)).subject).toBe('agent');
    expect(server.requests()).toBe(2);
  });

  it.each([
    ['HTTP error', (s: JwksServer) => s.setStatus(500), /HTTP 500/],
    ['redirect (not followed)', (s: JwksServer) => s.setStatus(302, { location: 'https://evil.test/jwks' }), /HTTP 302/],
    ['not JSON', (s: JwksServer) => s.setBody('<html>'), /not JSON/],
    ['no keys array', (s: JwksServer) => s.setBody({ nope: [] }), /no "keys" array/],
    ['empty key set', (s: JwksServer) => s.setBody({ keys: [] }), /no keys/],
    ['private key material', (s: JwksServer) => s.setBody({ keys: [{ ...k1.jwk, d: 'secret' }] }), /private or symmetric/],
    ['symmetric key', (s: JwksServer) => s.setBody({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), /private or symmetric/],
    ['too many keys', (s: JwksServer) => s.setBody({ keys: Array.from({ length: 65 }, () => k1.jwk) }), /65 keys/],
    ['response too large', (s: JwksServer) => s.setBody({ keys: [k1.jwk], pad: 'x'.repeat(300 * 1024) }), /larger than/],
  ] as const)('warm() refuses a key set: %s', async (_name, arrange, message) => {
    const { server, registry } = await setup();
    arrange(server);
    const err = await registry.warm().then(() => null, (e: unknown) => e);
    expect((err as IdentityError).code).toBe('keys_unavailable');
    expect((err as IdentityError).message).toMatch(message);
  });
});

describe('createRemoteJwks', () => {
  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(JSON.stringify(jwksOf(k1)), { status: 200 });
    };
    const jwks = createRemoteJwks({ name: 'x', uri: 'https://keys.test/jwks', refreshSeconds: 60, cooldownSeconds: 10, fetch: fake, now: () => 0 });
    await jwks.warm();
    expect(calls).toEqual(['https://keys.test/jwks']);
    expect(jwks.loadedAt()).toBe(0);
  });

  it('times out a hanging key server', async () => {
    const server = await startJwksServer(jwksOf(k1));
    servers.push(server);
    const release = server.hold();
    const jwks = createRemoteJwks({ name: 'slow', uri: server.url, refreshSeconds: 60, cooldownSeconds: 10, timeoutMs: 100 });
    const err = await jwks.warm().then(() => null, (e: unknown) => e);
    release();
    expect((err as IdentityError).code).toBe('keys_unavailable');
    expect((err as IdentityError).message).toMatch(/timed out after 100 ms/);
  });

  it('bounds a body without Content-Length while it streams', async () => {
    const big = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(64 * 1024).fill(32));
      },
    });
    const fake: typeof fetch = async () => new Response(big, { status: 200 });
    const jwks = createRemoteJwks({ name: 'x', uri: 'https://keys.test/jwks', refreshSeconds: 60, cooldownSeconds: 10, fetch: fake });
    expect(await codeOf(() => jwks.warm())).toBe('keys_unavailable');
  });

  it('never hangs on a fetch that does not settle, and replaces it once abandoned', async () => {
    let calls = 0;
    const deaf: typeof fetch = () => {
      calls++;
      return new Promise<Response>(() => {}); // ignores its abort signal, like I/O of a finished request
    };
    const clock = frozenClock();
    const jwks = createRemoteJwks({ name: 'deaf', uri: 'https://keys.test/jwks', refreshSeconds: 60, cooldownSeconds: 10, timeoutMs: 50, fetch: deaf, now: clock.now });
    const [a, b] = await Promise.all([codeOf(() => jwks.warm()), codeOf(() => jwks.warm())]);
    expect([a, b, calls]).toEqual(['keys_unavailable', 'keys_unavailable', 1]);
    clock.advance(2);
    expect(await codeOf(() => jwks.warm())).toBe('keys_unavailable');
    expect(calls).toBe(2);
  });
});
