import { Hono } from 'hono';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { harness } from '../test/support/harness.ts';
import { sideBySide } from './measure.ts';

/**
 * Token-exchange CPU per request, side by side with (a) a bare Hono endpoint that parses the same
 * form and answers JSON, and (b) the unavoidable crypto: verifying the subject token and signing
 * the grant token. All in process through `app.request`, so no socket cost blurs the comparison.
 */
export async function benchExchange(rounds: number, n: number) {
  const h = await harness();
  h.clock.now = Date.now();
  setInterval(() => (h.clock.now = Date.now()), 50).unref();
  const tokens = await Promise.all(Array.from({ length: 64 }, (_, i) => h.workload.mint(`spiffe://example.org/agent/bench-${i}`, {}, { ttl: 3600 })));
  const form = (i: number) =>
    new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: tokens[i % tokens.length]!,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'demo:reports:read',
      task_id: `bench-${i % 100}`,
    }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };

  const bare = new Hono();
  bare.post('/oauth/token', async (c) => {
    const p = new URLSearchParams(await c.req.text());
    return c.json({ access_token: p.get('subject_token')!.slice(0, 16), scope: p.get('scope') });
  });

  const jwks = createLocalJWKSet({ keys: [h.workload.publicJwk] });
  const signKey = h.deps.keyring.current.key;
  const crypto = async (i: number) => {
    await jwtVerify(tokens[i % tokens.length]!, jwks, { issuer: h.workload.issuer, audience: 'tollgate', algorithms: ['ES256'] });
    await new SignJWT({ scope: 'demo:reports:read', task_id: 't', grant_id: 'g', client_id: 'c' })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig-1', typ: 'at+jwt' })
      .setIssuer('https://tollgate.test')
      .setSubject('spiffe://example.org/agent/x')
      .setAudience('a')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setJti('g')
      .sign(signKey);
  };

  let failures = 0;
  const result = await sideBySide(rounds, n, {
    exchange: async (i) => {
      const res = await h.app.request('/oauth/token', { method: 'POST', headers, body: form(i) });
      if (res.status !== 200) failures++;
      await res.arrayBuffer();
    },
    bare_hono: async (i) => {
      const res = await bare.request('/oauth/token', { method: 'POST', headers, body: form(i) });
      await res.arrayBuffer();
    },
    crypto_floor: crypto,
  });
  if (failures) throw new Error(`${failures} exchanges failed`);
  await h.deps.store.close();
  return {
    exchange_cpu_us: round(result.exchange!),
    bare_hono_cpu_us: round(result.bare_hono!),
    crypto_floor_cpu_us: round(result.crypto_floor!),
    exchange_vs_crypto_floor: round(result.exchange! / result.crypto_floor!, 2),
    exchange_vs_bare_hono: round(result.exchange! / result.bare_hono!, 1),
  };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
