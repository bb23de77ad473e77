import { Hono } from 'hono';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { harness } from '../test/support/harness.ts';
import { sideBySide, signGrantShaped } from './measure.ts';
import { draft } from '../src/audit/event.ts';

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
    await signGrantShaped(signKey, 'spiffe://example.org/agent/x');
  };

  // The two other things every exchange must do, measured alone: one Cedar decision, and the
  // record-then-activate pair of durable, audited store writes. Decisions are remembered
  // (rememberDecisions), so each one here is for an agent not seen before: what Cedar costs.
  let fresh = 0;
  const decide = async () =>
    h.deps.policy.decide({
      agent: { id: `spiffe://example.org/agent/bench-decide-${fresh++}`, owner: 'team-a', trust_domain: 'example.org', risk: 'low' },
      principal: null,
      action: 'read',
      resource: { id: 'demo:reports', provider: 'tollgate', classification: 'internal' },
      context: { task_id: 't', intent: '', delegation_depth: 0, requested_ttl: 900, now: Math.floor(Date.now() / 1000) },
    });
  let template: import('../src/model/grant.ts').Grant | undefined;
  let k = 0;
  const storePair = async () => {
    template ??= (await h.deps.store.listGrants({}, 1, null)).grants[0];
    const g = { ...template!, id: `grt_bench${k++}_${Date.now()}`, status: 'issuing' as const, created_at: Date.now() };
    await h.deps.store.createGrant(g, draft('grant.issuing', g.created_at, { grant_id: g.id, agent: g.agent, resource: g.resource, scope: g.scope, actions: g.actions }));
    await h.deps.store.transition(g.id, ['issuing'], 'active', { issued_at: Date.now() }, draft('grant.active', Date.now(), { grant_id: g.id }));
  };

  // Every step an exchange cannot skip, back to back with no HTTP, parsing or checks around them:
  // what is left between this and `exchange` is Tollgate's own overhead.
  const resource = h.deps.resources.get('demo:reports')!;
  const essentials = async (i: number) => {
    await h.deps.trust.verify(tokens[i % tokens.length]!, ['workload', 'human']);
    await decide();
    template ??= (await h.deps.store.listGrants({}, 1, null)).grants[0];
    const g = { ...template!, id: `grt_ess${k++}_${Date.now()}`, status: 'issuing' as const, created_at: Date.now() };
    await h.deps.store.createGrant(g, draft('grant.issuing', g.created_at, { grant_id: g.id }));
    await h.deps.grantTokens.issue({ grant: g, resource, actions: ['read'], expiresAt: Date.now() + 600_000, signal: new AbortController().signal, subjectToken: null });
    await h.deps.store.transition(g.id, ['issuing'], 'active', { issued_at: Date.now() }, draft('grant.active', Date.now(), { grant_id: g.id }));
  };

  let failures = 0;
  await h.exchange({ subject_token: tokens[0]!, scope: 'demo:reports:read' }); // a template row for storePair
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
    policy_decision: decide,
    store_record_and_activate: storePair,
    essential_steps: essentials,
  });
  if (failures) throw new Error(`${failures} exchanges failed`);
  await h.deps.store.close();
  return {
    exchange_cpu_us: round(result.exchange!),
    bare_hono_cpu_us: round(result.bare_hono!),
    crypto_floor_cpu_us: round(result.crypto_floor!),
    exchange_vs_crypto_floor: round(result.exchange! / result.crypto_floor!, 2),
    exchange_vs_bare_hono: round(result.exchange! / result.bare_hono!, 1),
    policy_decision_cpu_us: round(result.policy_decision!),
    store_record_and_activate_cpu_us: round(result.store_record_and_activate!),
    essential_steps_cpu_us: round(result.essential_steps!),
    exchange_vs_essential_steps: round(result.exchange! / result.essential_steps!, 2),
  };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
