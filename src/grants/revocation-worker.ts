import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';

const MAX_BACKOFF_MS = 10 * 60 * 1000;

/**
 * How long a claimed job stays this worker's: long enough for a slow upstream (providers time
 * out well before), short enough that a job held by a node that died is retried soon by another.
 */
export const JOB_CLAIM_MS = 60_000;

/**
 * Upstream revocation. Jobs were written in the same operation that marked their grants revoked,
 * so none is lost; a job is deleted only after the provider confirmed (an already-gone lease
 * counts as confirmed). Failures back off exponentially, with jitter, forever.
 */
export async function runRevocationJobs(deps: Deps, limit = 100, onlyGrants?: readonly string[]): Promise<{ done: number; failed: number }> {
  const now = deps.now();
  // Named grants are tried at once, due or not: someone is waiting for their receipts. (A worker
  // on another node may be trying the same job: upstream revocation is idempotent, and
  // completeJob completes a job once.) Due jobs are claimed, so nodes share them out.
  const jobs = onlyGrants ? (await deps.store.jobsForGrants(onlyGrants)).slice(0, limit) : await deps.store.claimJobs(now, limit, JOB_CLAIM_MS);
  let done = 0;
  let failed = 0;
  for (const job of jobs) {
    const provider = deps.providers.get(job.provider);
    const grant = await deps.store.getGrant(job.grant_id);
    const base = {
      grant_id: job.grant_id,
      agent: grant?.agent ?? null,
      principal: grant?.principal ?? null,
      task_id: grant?.task_id ?? null,
      resource: grant?.resource ?? null,
    };
    if (!provider?.revoke || !grant) {
      // Nothing upstream can be revoked: the credential dies at its expiry.
      await deps.store.completeJob(job.id, draft('revocation.upstream', deps.now(), { ...base, reason: 'not_revocable', detail: { expires_at: grant?.expires_at ?? null } }));
      done++;
      continue;
    }
    try {
      await provider.revoke(job.lease, grant);
      await deps.store.completeJob(job.id, draft('revocation.upstream', deps.now(), { ...base, reason: 'revoked', detail: { attempts: job.attempts + 1 } }));
      done++;
    } catch (e) {
      const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(job.attempts, 20));
      const next = deps.now() + backoff / 2 + Math.random() * (backoff / 2);
      const message = e instanceof Error ? e.message.slice(0, 200) : 'revoke failed';
      await deps.store.rescheduleJob(job.id, next, message);
      deps.log.log('warn', 'upstream revoke failed; will retry', { grant_id: job.grant_id, provider: job.provider, attempts: job.attempts + 1 });
      failed++;
    }
  }
  return { done, failed };
}
