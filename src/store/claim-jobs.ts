import type { Dialect } from './dialect.ts';
import type { RevocationJob } from './store.ts';

export const JOB_COLUMNS = 'id, grant_id, provider, lease, attempts, next_attempt_at, last_error';

/**
 * Claim due jobs in one statement (JobStore.claimJobs), written once for every engine: the
 * claimed rows' next attempt moves to the lease's end. The attempt count is not touched: a claim
 * is not an attempt. Parameters: lease end, now, limit.
 */
export function claimJobsSql(d: Dialect): string {
  return `UPDATE revocation_jobs SET next_attempt_at = ? WHERE id IN (
    SELECT id FROM revocation_jobs WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?${d.skipLocked}
  ) RETURNING ${JOB_COLUMNS}`;
}

/** RETURNING gives rows in no defined order; workers take the oldest (first queued) first. */
export function oldestFirst(jobs: RevocationJob[]): RevocationJob[] {
  return jobs.sort((a, b) => a.id - b.id);
}
