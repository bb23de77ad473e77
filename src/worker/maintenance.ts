import type { Deps } from '../deps.ts';
import { reconcile, retainAudit, sweepExpired } from '../grants/maintenance.ts';
import { runRevocationJobs } from '../grants/revocation-worker.ts';
import type { RetentionResult } from '../audit/retention.ts';

/** A Cron Trigger's run must end well inside Workers' limits; the next run picks up the rest. */
const JOB_BUDGET_MS = 20_000;
const JOB_BATCH = 100;

/**
 * What `tollgate serve` runs on timers, once per Cron Trigger (audit retention too, when an R2
 * archive is configured). Several isolates may run it at
 * once (a slow run overlapping the next): each step is a set of atomic store operations whose
 * compare-and-set lets one of them win per row. Reconciliation never touches an `issuing` row
 * younger than the stale threshold, since other isolates may be issuing it right now.
 */
export async function runMaintenance(deps: Deps): Promise<{ reconciled: { failed: number; resumed: number }; expired: number; jobs: { done: number; failed: number }; retention: RetentionResult | null }> {
  const step = async <T>(name: string, fn: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      deps.log.log('error', `${name} failed`, { error: e instanceof Error ? e.message : String(e) });
      return none;
    }
  };
  const reconciled = await step('reconcile', () => reconcile(deps), { failed: 0, resumed: 0, orphans: 0 });
  const expired = await step('expiry sweep', () => sweepExpired(deps), 0);
  const jobs = await step(
    'revocation jobs',
    async () => {
      const started = Date.now();
      const total = { done: 0, failed: 0 };
      for (;;) {
        const r = await runRevocationJobs(deps, JOB_BATCH);
        total.done += r.done;
        total.failed += r.failed;
        if (r.done + r.failed < JOB_BATCH || Date.now() - started > JOB_BUDGET_MS) return total;
      }
    },
    { done: 0, failed: 0 },
  );
  const retention = await step('audit retention', () => retainAudit(deps), null);
  if (reconciled.failed || reconciled.resumed || expired || jobs.done || jobs.failed) deps.log.log('info', 'maintenance', { ...reconciled, expired, jobs_done: jobs.done, jobs_failed: jobs.failed });
  return { reconciled, expired, jobs, retention };
}
