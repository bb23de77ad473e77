import type Database from 'better-sqlite3';
import { harness, type Harness } from '../test/support/harness.ts';
import { liveGrant } from '../src/grants/live-grant.ts';
import { longestStall } from './measure.ts';
import { liveProbe, seedGrants } from './seed-grants.ts';

/**
 * Mass revocation of `count` active grants through POST /v1/revocations {all: true}:
 * - dead_everywhere_ms: until the call returns; from then on every path sees every grant revoked
 *   (checked on a sample right after);
 * - all_rows_marked_ms: until its batches have marked every row and written the per-grant audit
 *   events and upstream jobs;
 * - longest_stall_ms: the longest event-loop stall over both, i.e. what any other request waited.
 */
export async function benchMassRevocation(count: number) {
  const h = await harness();
  h.clock.now = Date.now();
  const first = await h.exchange({ subject_token: await h.agentToken('mass', { ttl: 3600 }), scope: 'demo:reports:read', task_id: 'mass' });
  const { grant_id } = (await first.json()) as { grant_id: string };
  const db = (h.deps.store as unknown as { db: Database.Database }).db;
  seedGrants(db, grant_id, count - 1);
  const before = db.prepare("SELECT count(*) AS n FROM grants WHERE status = 'active'").get() as { n: number };
  if (before.n !== count) throw new Error(`seeded ${before.n} grants, wanted ${count}`);
  const ids = (db.prepare('SELECT id FROM grants ORDER BY random() LIMIT 200').all() as { id: string }[]).map((r) => r.id);
  for (const id of ids) if (!(await liveGrant(h.deps.store, id, h.clock.now))) throw new Error('seeded grant not live');

  const measured = await revokeAllMeasured(h, ids, count);
  await h.deps.store.close();
  return {
    grants: count,
    batch: h.deps.config.server.revocation_batch,
    ...measured,
  };
}

/**
 * POST /v1/revocations {all: true} while a probe asks about `ids` as a gateway would: until the
 * call returns (then every sampled grant must be dead), until its batches have revoked `expected`
 * grants, and the longest event-loop stall over both.
 */
export async function revokeAllMeasured(h: Harness, ids: readonly string[], expected: number) {
  const probe = liveProbe(h.deps.store, ids, () => h.clock.now);
  let deadMs = 0;
  const { stallMs, wallMs } = await longestStall(async () => {
    const t0 = performance.now();
    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true, reason: 'bench' }) });
    const { revocation_id } = (await res.json()) as { revocation_id: string };
    deadMs = performance.now() - t0;
    for (const id of ids) if (await liveGrant(h.deps.store, id, h.clock.now)) throw new Error(`grant ${id} still live after the revocation returned`);
    for (;;) {
      const r = (await (await h.adminRequest(`/v1/revocations/${revocation_id}`)).json()) as { status: string; revoked: number };
      if (r.status === 'finished') {
        if (r.revoked !== expected) throw new Error(`revoked ${r.revoked} of ${expected}`);
        return;
      }
      await new Promise((res) => setTimeout(res, 5));
    }
  });
  const probes = await probe.stop();
  const live = await h.deps.store.countLive({ all: true });
  if (live !== 0) throw new Error(`${live} grants still live`);
  return { dead_everywhere_ms: round(deadMs), all_rows_marked_ms: Math.round(wallMs), longest_stall_ms: round(stallMs), probes_answered_meanwhile: probes };
}

const round = (x: number) => Math.round(x * 10) / 10;

