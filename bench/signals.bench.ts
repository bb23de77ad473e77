import type Database from 'better-sqlite3';
import { liveGrant } from '../src/grants/live-grant.ts';
import { CAEP, signalsHarness, type SignalsHarness } from '../test/signals/transmitter.ts';
import { longestStall } from './measure.ts';
import { liveProbe, seedGrants } from './seed-grants.ts';

type Path = 'session-revoked' | 'credential-change' | 'admin-revocation';

/**
 * Signal to revocation for `count` active grants of one human, three ways side by side:
 * - `session-revoked` (CAEP): risk raised, every grant of the principal revoked by one filter;
 * - `credential-change` (CAEP): risk raised to medium, then policy decides each of the `count`
 *   grants again (all are writes, which the dev policy refuses at medium) and revokes them;
 * - `admin-revocation`: the baseline, POST /v1/revocations {principal} for the same grants.
 * Per path: dead_everywhere_ms (until the call returns; a sample of grants is then checked dead
 * through liveGrant, the check every path makes), all_rows_marked_ms (until every revocation has
 * marked its rows and written per-grant events and jobs), longest_stall_ms (event-loop stall over
 * both, while a probe asks about random grants every millisecond, as a gateway would).
 */
export async function benchSignals(count: number) {
  const results = {} as Record<Path, Awaited<ReturnType<typeof run>>>;
  for (const path of ['session-revoked', 'credential-change', 'admin-revocation'] as const) results[path] = await run(path, count);
  const dead = (p: Path) => results[p].dead_everywhere_ms;
  return {
    grants: count,
    ...results,
    session_revoked_vs_admin: round(dead('session-revoked') / dead('admin-revocation')),
    credential_change_vs_admin: round(dead('credential-change') / dead('admin-revocation')),
  };
}

async function run(path: Path, count: number) {
  const h = await signalsHarness();
  h.clock.now = Date.now();
  const first = await h.grant({ human: 'target', agent: 'bench', task: 'bench', scope: 'demo:reports:write' });
  const db = (h.deps.store as unknown as { db: Database.Database }).db;
  seedGrants(db, first.grant_id, count - 1, { distinctTasks: true });
  const ids = (db.prepare('SELECT id FROM grants ORDER BY random() LIMIT 200').all() as { id: string }[]).map((r) => r.id);
  for (const id of ids) if (!(await liveGrant(h.deps.store, id, h.clock.now))) throw new Error('seeded grant not live');
  const principal = `${h.human.issuer}#target`;

  const probe = liveProbe(h.deps.store, ids, () => h.clock.now);
  let deadMs = 0;
  const { stallMs, wallMs } = await longestStall(async () => {
    const t0 = performance.now();
    const revocations = await trigger(h, path, principal);
    deadMs = performance.now() - t0;
    for (const id of ids) if (await liveGrant(h.deps.store, id, h.clock.now)) throw new Error(`${path}: grant ${id} still live after the call returned`);
    let revoked = 0;
    for (const id of revocations) revoked += (await waitFinished(h, id)).revoked;
    if (revoked !== count) throw new Error(`${path}: revoked ${revoked} of ${count}`);
  });
  const probes = await probe.stop();
  const live = await h.deps.store.countLive({ principal });
  if (live !== 0) throw new Error(`${path}: ${live} grants still live`);
  await h.deps.store.close();
  return { dead_everywhere_ms: round(deadMs), all_rows_marked_ms: Math.round(wallMs), longest_stall_ms: round(stallMs), probes_answered_meanwhile: probes };
}

/** Fires the path and returns the revocations it recorded. */
async function trigger(h: SignalsHarness, path: Path, principal: string): Promise<string[]> {
  if (path === 'admin-revocation') {
    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principal, reason: 'bench' }) });
    if (res.status !== 202) throw new Error(`admin revocation: ${res.status}`);
    return [((await res.json()) as { revocation_id: string }).revocation_id];
  }
  const event = path === 'session-revoked' ? { [CAEP + 'session-revoked']: {} } : { [CAEP + 'credential-change']: { credential_type: 'password', change_type: 'update' } };
  const res = await h.push(await h.ssf.set(event, { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: 'target' } }));
  if (res.status !== 202) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  const accepted = (await h.auditOf('signal.accepted')).at(-1)!;
  return accepted.detail.events[0].changes[0].revocation_ids as string[];
}

async function waitFinished(h: SignalsHarness, id: string): Promise<{ revoked: number }> {
  for (;;) {
    const r = (await (await h.adminRequest(`/v1/revocations/${id}`)).json()) as { status: string; revoked: number };
    if (r.status === 'finished') return r;
    await new Promise((res) => setTimeout(res, 5));
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

