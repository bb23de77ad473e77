import type Database from 'better-sqlite3';
import { liveGrant } from '../src/grants/live-grant.ts';
import type { Store } from '../src/store/store.ts';

/**
 * Copies one real grant row `n` times with fresh ids (and fingerprints), in one transaction, then
 * empties the WAL.
 * `distinctTasks` gives each copy its own task, so no two policy re-decisions are the same request.
 */
export function seedGrants(db: Database.Database, templateId: string, n: number, opts: { distinctTasks?: boolean } = {}): void {
  const cols = (db.prepare('PRAGMA table_info(grants)').all() as { name: string }[]).map((c) => c.name);
  const value = (c: string) => {
    if (c === 'id') return "'grt_seed' || printf('%010d', x)";
    if (c === 'credential_fingerprint') return "'sha256:seed' || x";
    if (c === 'task_id' && opts.distinctTasks) return "'bench-' || x";
    return c;
  };
  db.prepare(
    `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
     INSERT INTO grants (${cols.join(', ')}) SELECT ${cols.map(value).join(', ')} FROM seq, grants WHERE grants.id = ?`,
  ).run(n, templateId);
  // One transaction of `n` rows, which no server writes: its WAL (~60 MB at 100k) would otherwise
  // be cut back to journal_size_limit inside the next commit, the measured revocation's (~20 ms of
  // its stall on a 2-vCPU machine). A serving store's WAL is kept small by its checkpointer.
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Asks about the given grants every millisecond, as a gateway would, until stopped; says how many it asked. */
export function liveProbe(store: Store, ids: readonly string[], now: () => number): { stop(): Promise<number> } {
  let probes = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      await liveGrant(store, ids[probes % ids.length]!, now());
      probes++;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      return probes;
    },
  };
}
