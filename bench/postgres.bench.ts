import pg from 'pg';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, type Harness } from '../test/support/harness.ts';
import { POSTGRES_URL } from '../test/support/postgres.ts';
import { GATEWAY_KEY, gatewayConfig, grantTokens } from './credentials.bench.ts';
import { revokeAllMeasured } from './mass-revocation.bench.ts';
import { median, percentile, throughput } from './measure.ts';

/**
 * The store on PostgreSQL beside the same on SQLite, in one run (DATABASE_URL names the server):
 * - per-call (POST /v1/credentials, 16 in flight) and exchange throughput, PostgreSQL as a ratio
 *   of SQLite, interleaved rounds;
 * - cross-node revocation: two apps ("nodes": their own pools) on one database; a revocation
 *   returns on node A, then node B's next per-call for that grant must be refused: the delay from
 *   A's answer to B's refusal, p50/p99 over `revocations`;
 * - a mass revocation of `massCount` grants on PostgreSQL: dead everywhere (until the call
 *   returns), every row marked, the longest event-loop stall.
 */
export async function benchPostgres(opts: { rounds: number; calls: number; exchanges: number; revocations: number; massCount: number }) {
  if (POSTGRES_URL === undefined) return { skipped: 'no DATABASE_URL: start one with scripts/postgres-cluster.sh' };
  const sqlite = await harness(await gatewayConfig());
  const postgres = await onPostgres(async () => harness(await gatewayConfig()));
  for (const h of [sqlite, postgres]) h.clock.now = Date.now();
  const tick = setInterval(() => [sqlite, postgres].forEach((h) => (h.clock.now = Date.now())), 50);
  try {
    const tokens = { sqlite: await grantTokens(sqlite, 64), postgres: await grantTokens(postgres, 64) };
    const call = (h: Harness, t: string[]) => async (i: number) => {
      const res = await h.app.request('/v1/credentials', { method: 'POST', headers: gatewayHeaders, body: JSON.stringify({ token: t[i % t.length]!, action: 'read' }) });
      if (res.status !== 200) throw new Error(`per-call answered ${res.status}`);
      await res.arrayBuffer();
    };
    const exchange = (h: Harness) => async (i: number) => {
      const res = await h.exchange({ subject_token: await h.agentToken(`pg-bench-${i % 50}`, { ttl: 3600 }), scope: 'demo:reports:read', task_id: `x-${i}` });
      if (res.status !== 200) throw new Error(`exchange answered ${res.status}`);
      await res.arrayBuffer();
    };
    const rps = { call_sqlite: [] as number[], call_postgres: [] as number[], exchange_sqlite: [] as number[], exchange_postgres: [] as number[] };
    for (let r = 0; r < opts.rounds; r++) {
      rps.call_sqlite.push(await throughput(call(sqlite, tokens.sqlite), opts.calls, 16));
      rps.call_postgres.push(await throughput(call(postgres, tokens.postgres), opts.calls, 16));
      rps.exchange_sqlite.push(await throughput(exchange(sqlite), opts.exchanges, 4));
      rps.exchange_postgres.push(await throughput(exchange(postgres), opts.exchanges, 4));
    }
    const m = { call_sqlite: median(rps.call_sqlite), call_postgres: median(rps.call_postgres), exchange_sqlite: median(rps.exchange_sqlite), exchange_postgres: median(rps.exchange_postgres) };
    const crossNode = await crossNodeRevocation(postgres, opts.revocations);
    const mass = await massRevocation(postgres, opts.massCount);
    return {
      per_call_in_flight: 16,
      per_call_rps: { sqlite: Math.round(m.call_sqlite), postgres: Math.round(m.call_postgres) },
      per_call_postgres_vs_sqlite: round(m.call_postgres / m.call_sqlite, 2),
      exchange_rps: { sqlite: Math.round(m.exchange_sqlite), postgres: Math.round(m.exchange_postgres) },
      exchange_postgres_vs_sqlite: round(m.exchange_postgres / m.exchange_sqlite, 2),
      cross_node_revocation: crossNode,
      mass_revocation: mass,
    };
  } finally {
    clearInterval(tick);
    await sqlite.deps.store.close();
    await postgres.deps.store.close();
  }
}

const gatewayHeaders = { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' };

async function onPostgres<T>(fn: () => Promise<T>): Promise<T> {
  const before = process.env.TOLLGATE_TEST_STORE;
  process.env.TOLLGATE_TEST_STORE = 'postgres';
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TOLLGATE_TEST_STORE;
    else process.env.TOLLGATE_TEST_STORE = before;
  }
}

/** A second node on node A's database and signing keys: its own app, deps and connection pool. */
async function secondNode(a: Harness): Promise<Harness> {
  const configA = parse(readFileSync(join(a.dir, 'tollgate.yaml'), 'utf8')) as Record<string, any>;
  return onPostgres(() => harness({ configPatch: (c) => ((c.store = configA.store), (c.signing = configA.signing), (c.trust.gateway_key_hashes = configA.trust.gateway_key_hashes)) }));
}

async function crossNodeRevocation(a: Harness, n: number) {
  const b = await secondNode(a);
  const tick = setInterval(() => (b.clock.now = Date.now()), 50);
  b.clock.now = Date.now();
  try {
    const tokens = await grantTokens(a, n);
    const delays: number[] = [];
    for (const t of tokens) {
      const grantId = JSON.parse(atob(t.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).grant_id as string;
      const res = await a.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_ids: [grantId], reason: 'bench' }) });
      if (res.status !== 200 && res.status !== 202) throw new Error(`revocation answered ${res.status}`);
      await res.arrayBuffer();
      const t0 = performance.now();
      for (let tries = 0; ; tries++) {
        const r = await b.app.request('/v1/credentials', { method: 'POST', headers: gatewayHeaders, body: JSON.stringify({ token: t, action: 'read' }) });
        await r.arrayBuffer();
        if (r.status === 400) break;
        if (tries > 1000) throw new Error('node B kept serving a revoked grant');
      }
      delays.push(performance.now() - t0);
    }
    return { revocations: n, p50_ms: round(percentile(delays, 0.5), 2), p99_ms: round(percentile(delays, 0.99), 2), max_ms: round(Math.max(...delays), 2) };
  } finally {
    clearInterval(tick);
    await b.deps.store.close();
  }
}

async function massRevocation(h: Harness, count: number) {
  const first = await h.exchange({ subject_token: await h.agentToken('mass', { ttl: 3600 }), scope: 'demo:reports:read', task_id: 'mass' });
  const { grant_id } = (await first.json()) as { grant_id: string };
  const configH = parse(readFileSync(join(h.dir, 'tollgate.yaml'), 'utf8')) as { store: { postgres: { schema: string } } };
  const schema = configH.store.postgres.schema;
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    // Copies of one real row with fresh ids, as the SQLite bench seeds them.
    const cols = (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'grants' AND column_name <> 'n'`, [schema])).rows.map((r) => r.column_name as string);
    const value = (col: string) => (col === 'id' ? `'grt_seed' || lpad(x::text, 10, '0')` : col === 'credential_fingerprint' ? `'sha256:seed' || x` : col);
    await c.query(
      `INSERT INTO ${schema}.grants (${cols.join(', ')}) SELECT ${cols.map(value).join(', ')} FROM generate_series(1, $1::int) AS x, ${schema}.grants WHERE grants.id = $2`,
      [count - 1, grant_id],
    );
    await c.query(`ANALYZE ${schema}.grants`);
    const ids = (await c.query(`SELECT id FROM ${schema}.grants ORDER BY random() LIMIT 200`)).rows.map((r) => r.id as string);
    // Every live grant (the per-call and cross-node ones too) is in scope of {all: true}.
    const expected = await h.deps.store.countLive({ all: true });
    return { grants: count, ...(await revokeAllMeasured(h, ids, expected)) };
  } finally {
    await c.end();
  }
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await benchPostgres(quick ? { rounds: 3, calls: 1000, exchanges: 100, revocations: 200, massCount: 10_000 } : { rounds: 5, calls: 4000, exchanges: 300, revocations: 1000, massCount: 100_000 }), null, 2));
}
