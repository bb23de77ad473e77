import type Database from 'better-sqlite3';
import { harness } from '../test/support/harness.ts';
import { liveGrant } from '../src/grants/live-grant.ts';
import { longestStall } from './measure.ts';

/**
 * Mass revocation of `count` active grants through POST /v1/revocations {all: true}: wall time
 * until the call returns (from then on every path sees every grant revoked, which is checked),
 * and the longest event-loop stall meanwhile (what other requests would have waited).
 */
export async function benchMassRevocation(count: number) {
  const h = await harness();
  h.clock.now = Date.now();
  const first = await h.exchange({ subject_token: await h.agentToken('mass', { ttl: 3600 }), scope: 'demo:reports:read', task_id: 'mass' });
  const { grant_id } = (await first.json()) as { grant_id: string };
  const db = (h.deps.store as unknown as { db: Database.Database }).db;
  seed(db, grant_id, count - 1);
  const before = db.prepare("SELECT count(*) AS n FROM grants WHERE status = 'active'").get() as { n: number };
  if (before.n !== count) throw new Error(`seeded ${before.n} grants, wanted ${count}`);
  const ids = (db.prepare('SELECT id FROM grants ORDER BY random() LIMIT 200').all() as { id: string }[]).map((r) => r.id);

  // A probe keeps asking, as a gateway would, while the revocation runs.
  let probes = 0;
  let stop = false;
  const probe = (async () => {
    while (!stop) {
      await liveGrant(h.deps.store, ids[probes % ids.length]!, h.clock.now);
      probes++;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const { result, stallMs, wallMs } = await longestStall(async () => {
    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true, reason: 'bench' }) });
    return (await res.json()) as { revoked: number };
  });
  stop = true;
  await probe;
  for (const id of ids) if (await liveGrant(h.deps.store, id, h.clock.now)) throw new Error(`grant ${id} still live after the revocation returned`);
  const live = await h.deps.store.countLive({ all: true });
  if (result.revoked !== count || live !== 0) throw new Error(`revoked ${result.revoked} of ${count}; ${live} still live`);
  await h.deps.store.close();
  return { grants: count, revoke_all_ms: Math.round(wallMs), longest_stall_ms: Math.round(stallMs * 10) / 10, probes_answered_meanwhile: probes };
}

/** Copies one real grant row `n` times with fresh ids, in one transaction. */
function seed(db: Database.Database, templateId: string, n: number): void {
  const cols = (db.prepare('PRAGMA table_info(grants)').all() as { name: string }[]).map((c) => c.name);
  const select = cols.map((c) => (c === 'id' ? "'grt_seed' || printf('%010d', x)" : c === 'credential_fingerprint' ? "'sha256:seed' || x" : c)).join(', ');
  db.prepare(
    `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
     INSERT INTO grants (${cols.join(', ')}) SELECT ${select} FROM seq, grants WHERE grants.id = ?`,
  ).run(n, templateId);
}
