import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import type { RevocationFilter, RevocationRecord, RevokeContext } from '../store/store.ts';
import type { Grant } from './grant.ts';
import { randomToken } from './grant.ts';
import { storeCall } from './store-call.ts';

export interface RevokeRequest {
  filter: RevocationFilter;
  reason: string;
  by: string;
  requestId: string | null;
  block?: boolean;
}

/** Revoke the grants a small filter names (one token, one task), in one atomic store operation per batch. */
export async function revokeNow(deps: Deps, req: RevokeRequest): Promise<Grant[]> {
  const ctx: RevokeContext = { time: deps.now(), request_id: req.requestId, reason: req.reason, revocation_id: null, by: req.by };
  const out: Grant[] = [];
  for (;;) {
    const batch = await storeCall(() => deps.store.revokeBatch(req.filter, ctx, deps.config.server.revocation_batch));
    out.push(...batch);
    if (batch.length < deps.config.server.revocation_batch) return out;
  }
}

/**
 * Mass revocation. The request is recorded first (with its blocks), so a crash mid-way is resumed
 * on start. Grants are then revoked in batches, yielding to the event loop between batches so
 * the server keeps answering; each batch is atomic, and a revoked grant is dead to every path
 * the moment its batch commits. Grants created after the request are not swept up by it.
 */
export async function revokeByFilter(deps: Deps, req: RevokeRequest): Promise<RevocationRecord> {
  const now = deps.now();
  const record: RevocationRecord = {
    id: 'rev_' + randomToken(12),
    filter: { ...req.filter, issued_before: Math.min(req.filter.issued_before ?? Infinity, now + 1) },
    reason: req.reason,
    requested_by: req.by,
    block: req.block ?? false,
    created_at: now,
    finished_at: null,
    revoked_count: 0,
  };
  await storeCall(() =>
    deps.store.createRevocation(
      record,
      draft('revocation.started', now, {
        request_id: req.requestId,
        agent: req.filter.agent ?? null,
        principal: req.filter.principal ?? null,
        task_id: req.filter.task_id ?? null,
        resource: req.filter.resource ?? null,
        reason: req.reason,
        detail: { revocation_id: record.id, filter: req.filter, by: req.by, block: record.block },
      }),
    ),
  );
  return runRevocation(deps, record, req.requestId);
}

/** Runs (or resumes) a recorded revocation to the end. */
export async function runRevocation(deps: Deps, record: RevocationRecord, requestId: string | null): Promise<RevocationRecord> {
  const size = deps.config.server.revocation_batch;
  const ctx: RevokeContext = { time: deps.now(), request_id: requestId, reason: record.reason, revocation_id: record.id, by: record.requested_by };
  let count = record.revoked_count;
  for (;;) {
    const batch = await storeCall(() => deps.store.revokeBatch(record.filter, ctx, size));
    count += batch.length;
    if (batch.length < size) break;
    await yieldToEventLoop();
  }
  const finished = deps.now();
  await storeCall(() =>
    deps.store.finishRevocation(
      record.id,
      count,
      draft('revocation.finished', finished, { request_id: requestId, reason: record.reason, detail: { revocation_id: record.id, revoked: count } }),
    ),
  );
  return { ...record, finished_at: finished, revoked_count: count };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
