import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import type { RevocationFilter, RevocationRecord, RevokeContext } from '../store/store.ts';
import type { Grant } from '../model/grant.ts';
import { randomToken } from '../model/grant.ts';
import { BatchPacer, yieldToEventLoop } from './batch-pacer.ts';
import { deferToHotPath } from './hot-path.ts';
import { receiptFor, type Receipt } from './receipt.ts';
import { runRevocationJobs } from './revocation-worker.ts';

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
    const batch = await deps.store.revokeBatch(req.filter, ctx, deps.config.server.revocation_batch);
    out.push(...batch);
    if (batch.length < deps.config.server.revocation_batch) break;
  }
  if (out.length > 0) out.push(...(await revokeOrphans(deps, ctx)));
  return out;
}

/** A grant revoked because one it was narrowed from was: the same request, said so in its event. */
const ORPHAN_REASON = 'a grant it derives from was revoked';

/**
 * Revokes the live grants derived from grants that are no longer live (a sub-agent's grant whose
 * orchestrator's grant was just revoked), and theirs in turn. They were dead on every path
 * already; marking them is what queues the revocation of any upstream credential they hold.
 * Runs after every revocation, and from the periodic reconcile for what a crash left behind.
 */
export async function revokeOrphans(deps: Deps, ctx: RevokeContext, maxRounds = 64): Promise<Grant[]> {
  const out: Grant[] = [];
  const size = deps.config.server.revocation_batch;
  for (let round = 0; round < maxRounds; round++) {
    const ids = await deps.store.orphanedGrants(size);
    if (ids.length === 0) break;
    out.push(...(await deps.store.revokeBatch({ grant_ids: ids }, { ...ctx, reason: `${ORPHAN_REASON} (${ctx.reason})`.slice(0, 512) }, ids.length)));
  }
  return out;
}

const running = new WeakMap<Deps, Set<string>>();

/**
 * Mass revocation. The request is recorded first (with its blocks) and from that moment every
 * path treats the grants it names as dead (see liveGrant), so the call returns at once. Its
 * batches then mark the rows, write the per-grant events and upstream jobs, each sized to hold
 * the thread for well under a millisecond (BatchPacer) and yielding to the event loop between
 * them so the server keeps answering; a crash mid-way is resumed on start.
 * Grants created after the request are not swept up by it.
 */
export async function revokeByFilter(deps: Deps, req: RevokeRequest): Promise<RevocationRecord> {
  const now = deps.now();
  const given: RevocationRecord = {
    id: 'rev_' + randomToken(12),
    filter: { ...req.filter, issued_before: Math.min(req.filter.issued_before ?? Infinity, now + 1) },
    reason: req.reason,
    requested_by: req.by,
    block: req.block ?? false,
    created_at: now,
    finished_at: null,
    revoked_count: 0,
  };
  // The store may raise the cutoff above grants other nodes recorded (revocation-cutoff.ts): run what it recorded.
  const record = await deps.store.createRevocation(
    given,
    draft('revocation.started', now, {
      request_id: req.requestId,
      agent: req.filter.agent ?? null,
      principal: req.filter.principal ?? null,
      task_id: req.filter.task_id ?? null,
      resource: req.filter.resource ?? null,
      reason: req.reason,
      detail: { revocation_id: given.id, filter: req.filter, by: req.by, block: given.block },
    }),
  );
  const batches = runRevocation(deps, record, req.requestId).catch((e: unknown) => {
    // Recorded, so nothing is lost: the reconciler resumes it.
    deps.log.log('error', 'revocation interrupted; the reconciler resumes it', { revocation_id: record.id, error: e instanceof Error ? e.message : String(e) });
  });
  deps.background?.(batches);
  return record;
}

/** Runs (or resumes) a recorded revocation to the end; a second call while one runs here waits for nothing. */
export async function runRevocation(deps: Deps, record: RevocationRecord, requestId: string | null): Promise<void> {
  const mine = running.get(deps) ?? new Set<string>();
  running.set(deps, mine);
  if (mine.has(record.id)) return;
  mine.add(record.id);
  try {
    const pacer = new BatchPacer(deps.config.server.revocation_batch);
    const ctx: RevokeContext = { time: deps.now(), request_id: requestId, reason: record.reason, revocation_id: record.id, by: record.requested_by };
    for (;;) {
      const size = pacer.size;
      const started = performance.now();
      const pending = deps.store.revokeBatch(record.filter, ctx, size);
      pacer.record(performance.now() - started);
      const batch = await pending;
      if (batch.length < size) break;
      await yieldToEventLoop();
      await deferToHotPath(deps, yieldToEventLoop);
    }
    await revokeOrphans(deps, ctx);
    await deps.store.finishRevocation(
      record.id,
      draft('revocation.finished', deps.now(), { request_id: requestId, reason: record.reason, detail: { revocation_id: record.id } }),
    );
  } finally {
    mine.delete(record.id);
  }
}

/** How long a caller waits for upstream revocations before its receipts say `pending`. */
const SETTLE_MS = 3000;

/** At most this many upstream revocations are tried while the caller waits; the worker does the rest. */
const SETTLE_MAX_JOBS = 1000;

/**
 * Tries the upstream revocations of just-revoked grants at once (bounded by SETTLE_MS; the
 * worker keeps retrying whatever is left) and tells, per grant, what happened upstream.
 */
export async function settle(deps: Deps, grants: Grant[]): Promise<Receipt[]> {
  const ids = grants.map((g) => g.id);
  if (ids.length > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_MS)));
    // A grant can hold several upstream credentials (a gateway's call leases): try them all, within the deadline.
    await Promise.race([runRevocationJobs(deps, SETTLE_MAX_JOBS, ids).catch(() => undefined), deadline]);
    clearTimeout(timer);
  }
  const open = new Set((await deps.store.jobsForGrants(ids)).map((j) => j.grant_id));
  return grants.map((g) => receiptFor(g, deps.providers.get(g.provider), open.has(g.id)));
}
