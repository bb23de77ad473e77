import type Database from 'better-sqlite3';
import { Hono } from 'hono';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sha256Hex } from '../src/lib/digest.ts';
import { harness, type Harness } from '../test/support/harness.ts';
import { median, percentile, throughput } from './measure.ts';
import { seedGrants } from './seed-grants.ts';

export const GATEWAY_KEY = 'tgw_bench-gateway-key-0123456789abcdef';

/**
 * POST /v1/credentials, the gateway's per-call path, in process through `app.request`:
 * - throughput with `inFlight` calls at once, as a ratio to a bare Hono endpoint that parses the
 *   same JSON body and answers JSON (interleaved rounds, median of each);
 * - latency of one call at a time (p50, p99);
 * - the same latency while a mass revocation of `massCount` other grants runs, and the longest
 *   event-loop stall meanwhile.
 * Every call is a cache hit after the first per grant (the steady state of a gateway): token
 * check from memory, grant, revocations and blocks read from the store, one policy decision,
 * one audited write.
 */
export async function benchCredentials(opts: { rounds: number; calls: number; inFlight: number; latencyCalls: number; massCount: number }) {
  const h = await harness(await gatewayConfig());
  h.clock.now = Date.now();
  const tick = setInterval(() => (h.clock.now = Date.now()), 50);
  const tokens = await grantTokens(h, 64);
  const headers = { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' };
  const body = (i: number) => JSON.stringify({ token: tokens[i % tokens.length]!, action: 'read', tool: 'reports.get', arguments_digest: 'sha256:' + 'ab'.repeat(32) });
  let failures = 0;
  const perCall = async (i: number) => {
    const res = await h.app.request('/v1/credentials', { method: 'POST', headers, body: body(i) });
    if (res.status !== 200) failures++;
    await res.arrayBuffer();
  };
  const bare = new Hono();
  bare.post('/v1/credentials', async (c) => {
    const b = (await c.req.json()) as { token: string; action: string };
    return c.json({ access_token: b.token.slice(0, 16), action: b.action }, 200, { 'cache-control': 'no-store' });
  });
  const bareCall = async (i: number) => {
    const res = await bare.request('/v1/credentials', { method: 'POST', headers, body: body(i) });
    await res.arrayBuffer();
  };
  // The same Tollgate with quotas off (they are on by default): what the per-identity check costs a call.
  const off = await harness(await gatewayConfig({ quotasOff: true }));
  off.clock.now = Date.now();
  const offTick = setInterval(() => (off.clock.now = Date.now()), 50);
  const offTokens = await grantTokens(off, 64);
  const offBody = (i: number) => JSON.stringify({ token: offTokens[i % offTokens.length]!, action: 'read', tool: 'reports.get', arguments_digest: 'sha256:' + 'ab'.repeat(32) });
  const quotasOffCall = async (i: number) => {
    const res = await off.app.request('/v1/credentials', { method: 'POST', headers, body: offBody(i) });
    if (res.status !== 200) failures++;
    await res.arrayBuffer();
  };

  // Throughput, interleaved.
  for (const fn of [perCall, bareCall, quotasOffCall]) await throughput(fn, Math.min(opts.calls, 500), opts.inFlight);
  const rps: Record<string, number[]> = { per_call: [], bare_hono: [], quotas_off: [] };
  for (let r = 0; r < opts.rounds; r++) {
    rps.per_call!.push(await throughput(perCall, opts.calls, opts.inFlight));
    rps.bare_hono!.push(await throughput(bareCall, opts.calls, opts.inFlight));
    rps.quotas_off!.push(await throughput(quotasOffCall, opts.calls, opts.inFlight));
  }
  const perCallRps = median(rps.per_call!);
  const bareRps = median(rps.bare_hono!);
  const quotasOffRps = median(rps.quotas_off!);
  clearInterval(offTick);
  await off.deps.store.close();
  const chargeNs = quotaChargeNs(h);

  // Latency, one call at a time.
  const baseline = await latencies(perCall, opts.latencyCalls);

  // The same while a mass revocation of other grants runs.
  const during = await duringMassRevocation(h, perCall, opts.massCount);
  clearInterval(tick);
  if (failures) throw new Error(`${failures} per-call requests failed`);
  await h.deps.store.close();
  const baseP99 = percentile(baseline, 0.99);
  const duringP99 = percentile(during.latencies, 0.99);
  return {
    in_flight: opts.inFlight,
    per_call_rps: Math.round(perCallRps),
    bare_hono_rps: Math.round(bareRps),
    per_call_vs_bare_hono: round(perCallRps / bareRps, 2),
    per_call_quotas_off_rps: Math.round(quotasOffRps),
    per_call_quotas_on_vs_off: round(perCallRps / quotasOffRps, 2),
    quota_charge_ns: round(chargeNs),
    p50_us: round(percentile(baseline, 0.5) * 1000),
    p99_us: round(baseP99 * 1000),
    mass_revocation_grants: opts.massCount,
    during_revocation_calls: during.latencies.length,
    during_revocation_p99_us: round(duringP99 * 1000),
    during_revocation_p99_vs_baseline: round(duringP99 / baseP99, 2),
    during_revocation_longest_stall_ms: round(during.stallMs),
    revocation_ms: Math.round(during.wallMs),
  };
}

export async function gatewayConfig(o: { quotasOff?: boolean } = {}) {
  const hash = await sha256Hex(GATEWAY_KEY);
  return {
    configPatch: (c: Record<string, any>) => {
      c.trust.gateway_key_hashes = [hash];
      if (o.quotasOff) c.server.quotas = { enabled: false };
    },
  };
}

/** One per-call quota charge (agent and principal buckets) on its own, over 64 agents, in nanoseconds. */
function quotaChargeNs(h: Harness): number {
  const agents = Array.from({ length: 64 }, (_, i) => ({ agent: `spiffe://example.org/agent/q-${i}`, principal: i % 2 ? `https://idp.example#p-${i}` : null }));
  const n = 200_000;
  const t0 = performance.now();
  // A clock that moves a little each call keeps the buckets refilling, as in steady traffic.
  for (let i = 0; i < n; i++) h.deps.quotas.charge('call', agents[i & 63]!, 1_000_000 + i);
  return ((performance.now() - t0) * 1e6) / n;
}

export async function grantTokens(h: Harness, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await h.exchange({ subject_token: await h.agentToken(`gw-bench-${i}`, { ttl: 3600 }), scope: 'demo:reports:read', task_id: `bench-${i}` });
    if (res.status !== 200) throw new Error(`exchange answered ${res.status}: ${await res.text()}`);
    out.push(((await res.json()) as { access_token: string }).access_token);
  }
  return out;
}

/** Milliseconds per call, one at a time. */
async function latencies(fn: (i: number) => Promise<void>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * `count` grants of another agent, revoked by POST /v1/revocations {agent}, while calls go on one
 * at a time (a gateway's calls keep coming; each waits for nothing but itself and the revocation).
 */
async function duringMassRevocation(h: Harness, fn: (i: number) => Promise<void>, count: number) {
  const first = await h.exchange({ subject_token: await h.agentToken('mass', { ttl: 3600 }), scope: 'demo:reports:read', task_id: 'mass' });
  const { grant_id } = (await first.json()) as { grant_id: string };
  seedGrants((h.deps.store as unknown as { db: Database.Database }).db, grant_id, count - 1);
  const lat: number[] = [];
  const hist = monitorEventLoopDelay({ resolution: 1 });
  hist.enable();
  const t0 = performance.now();
  const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/mass', reason: 'bench' }) });
  const { revocation_id } = (await res.json()) as { revocation_id: string };
  let finished = false;
  const watch = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 20));
      const r = (await (await h.adminRequest(`/v1/revocations/${revocation_id}`)).json()) as { status: string; revoked: number };
      if (r.status === 'finished') {
        if (r.revoked !== count) throw new Error(`revoked ${r.revoked} of ${count}`);
        finished = true;
      }
    }
  })();
  for (let i = 0; !finished; i++) {
    const s = performance.now();
    await fn(i);
    lat.push(performance.now() - s);
    if (i % 8 === 7) await new Promise((r) => setImmediate(r)); // let timers (and the revocation) run
  }
  await watch;
  const wallMs = performance.now() - t0;
  hist.disable();
  return { latencies: lat, stallMs: hist.max / 1e6, wallMs };
}


const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
