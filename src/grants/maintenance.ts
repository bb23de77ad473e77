import type { Deps } from '../deps.ts';
import { applyRetention, type RetentionResult } from '../audit/retention.ts';
import { revokeOrphans, runRevocation } from './revoke.ts';

/** An `issuing` row older than this belongs to a request that died (a provider call is bounded far below it). */
export const STALE_ISSUING_MS = 60_000;

/** Expiry sweep: grants past their lease become `expired`, each with its event. */
export async function sweepExpired(deps: Deps, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deps.store.expireDue(deps.now(), batch);
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Crash reconciliation, run at start and then periodically: stale `issuing` grants are failed and
 * their possible credentials queued for revocation; revocations cut short are run to the end;
 * live grants derived from dead ones are revoked.
 */
export async function reconcile(deps: Deps, staleMs = STALE_ISSUING_MS): Promise<{ failed: number; resumed: number; orphans: number }> {
  let failed = 0;
  for (;;) {
    const now = deps.now();
    const rows = await deps.store.failStaleIssuing(now - staleMs, now, 1000);
    failed += rows.length;
    if (rows.length < 1000) break;
  }
  const unfinished = await deps.store.unfinishedRevocations();
  for (const r of unfinished) await runRevocation(deps, r, null);
  // Derived grants whose parent died without them (a crash between the two): revoke them now.
  const orphans = await revokeOrphans(deps, { time: deps.now(), request_id: null, reason: 'reconcile', revocation_id: null, by: 'reconciler' });
  return { failed, resumed: unfinished.length, orphans: orphans.length };
}

/**
 * Audit retention into the edge's archive (deps.auditArchive: a directory for `tollgate serve` on
 * audit.retention.interval, R2 on a Worker's Cron Trigger), whole segments only. Overlapping runs
 * are safe: pruning is one guarded store operation that takes a segment only if it continues the
 * newest checkpoint, so a second run finds it done; at worst it writes the same segment again.
 */
export async function retainAudit(deps: Pick<Deps, 'auditArchive' | 'config' | 'store' | 'keyring' | 'log' | 'now' | 'sha256'>): Promise<RetentionResult | null> {
  const archive = deps.auditArchive;
  if (!archive) return null;
  const r = await applyRetention({ store: deps.store, keyring: deps.keyring, archive, ...(deps.sha256 ? { digest: deps.sha256 } : {}) }, deps.config.audit.retention, deps.now(), { wholeSegments: true });
  if (r.pruned.length > 0) deps.log.log('info', 'audit retention pruned exported segments', { segments: r.pruned.length, through_seq: r.pruned.at(-1)!.seq_to, exported_to: archive.location });
  if (r.refused) deps.log.log('error', 'audit retention refused', { reason: r.refused });
  return r;
}
