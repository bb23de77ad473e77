import type { Deps } from '../../deps.ts';
import type { RequestMetrics } from '../../metrics/registry.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import type { StoreHealth } from './health.ts';
import type { App } from '../env.ts';

const JOBS_CAP = 10_000;

/**
 * Prometheus metrics: this process's request counters and durations, and the broker's state as
 * the store tells it (live grants, unfinished revocations, upstream revocations due, audit head).
 * Admin credentials unless `server.metrics_public` (then keep the port private). The store
 * gauges are left out, not faked, when the store cannot answer, and `tollgate_store_up` says so.
 */
export function registerMetrics(app: App, deps: Deps, metrics: RequestMetrics, health: () => Promise<StoreHealth>): void {
  app.get('/metrics', async (c) => {
    if (!deps.config.server.metrics_public) await authenticateAdmin(deps, c.req.raw);
    const lines = [metrics.render(), quotaRefusals(deps)];
    const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`);
    gauge('tollgate_store_writable', 'Whether the store took a write (a one-row probe, at most once a second).', (await health()) === 'ok' ? 1 : 0);
    try {
      const now = deps.now();
      const [live, unfinished, due, head, oldest] = await Promise.all([
        deps.store.countLive({ all: true }),
        deps.store.unfinishedRevocations(),
        deps.store.dueJobs(now, JOBS_CAP),
        deps.store.auditHead(),
        deps.store.readAudit(0, 1),
      ]);
      gauge('tollgate_store_up', 'Whether the store answered this scrape.', 1);
      gauge('tollgate_grants_live', 'Grants pending approval, issuing or active.', live);
      gauge('tollgate_revocations_unfinished', 'Mass revocations recorded whose rows are still being marked.', unfinished.length);
      gauge('tollgate_revocation_jobs_due', `Upstream revocations due now and not yet done (capped at ${JOBS_CAP}).`, due.length);
      gauge('tollgate_audit_head_seq', 'Sequence number of the last audit event.', head?.seq ?? 0);
      // Seqs are consecutive and only a prefix is ever pruned, so the retained rows are a difference.
      const first = oldest[0];
      gauge('tollgate_audit_rows', 'Audit events held in the live store (after retention pruned the exported prefix).', first && head ? head.seq - first.seq + 1 : 0);
      gauge('tollgate_audit_oldest_seq', 'Sequence number of the oldest audit event still in the live store (0: none).', first?.seq ?? 0);
      gauge('tollgate_audit_oldest_timestamp_seconds', 'Time of the oldest audit event still in the live store (0: none).', first ? Math.floor(first.time / 1000) : 0);
      const files = deps.storeFiles?.();
      if (files) {
        gauge('tollgate_store_database_bytes', 'Size of the SQLite database file.', files.database_bytes);
        gauge('tollgate_store_wal_bytes', 'Size of the SQLite write-ahead log (journal_size_limit lets it shrink after checkpoints).', files.wal_bytes);
      }
    } catch {
      gauge('tollgate_store_up', 'Whether the store answered this scrape.', 0);
    }
    return c.body(lines.join(''), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
  });
}

/** Requests refused by a quota on this node, by endpoint class and what was counted (agent, principal, address). */
function quotaRefusals(deps: Deps): string {
  const out = ['# HELP tollgate_quota_refusals_total Requests refused with 429 by a quota, by endpoint class and key.', '# TYPE tollgate_quota_refusals_total counter'];
  for (const [key, n] of deps.quotas.refusals()) {
    const [cls, kind] = key.split(',');
    out.push(`tollgate_quota_refusals_total{class="${cls}",key="${kind}"} ${n}`);
  }
  return out.join('\n') + '\n';
}
