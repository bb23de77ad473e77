import type { Store } from '../store/store.ts';
import type { JWK } from 'jose';
import { sameClaims, verifyCheckpoint } from './checkpoint.ts';
import type { AuditCheckpoint } from './checkpoint.ts';
import { readAllEvents } from './read-all.ts';
import { verifyChain } from './verify-chain.ts';
import type { ChainPoint, ChainReport } from './verify-chain.ts';

export interface LiveChainReport extends ChainReport {
  head: string | null;
  head_seq: number | null;
  /**
   * Set once a prefix was pruned: the newest checkpoint, whose signature verified, that the
   * retained chain was checked from. What it covers was checked when it was exported, and is
   * checked again only offline, against the archive (`tollgate audit verify --archive`).
   */
  from_checkpoint?: { seq_from: number; seq_to: number; head_hash: string };
}

export interface LiveVerifyOptions {
  digest?: (text: string) => string | Promise<string>;
  /** a point an earlier run verified; ignored when it lies inside the pruned prefix */
  since?: ChainPoint | null;
  /** Tollgate's published keys, to check the newest checkpoint's signature */
  keys: { jwks: { keys: JWK[] }; algorithms: string[] };
  /**
   * Verifies the events after `from` up to `head` somewhere else, at the same time (Node: a thread
   * with its own connection), so a long chain is checked in two halves on two cores. Each half is
   * a whole verification of its range: the first ends at the stored hash of its last event, which
   * the second starts from, so an edit on either side of the cut, or of the event at it, is found.
   */
  tail?: (from: ChainPoint, head: ChainPoint) => Promise<ChainReport>;
  /** With `tail`: how many events a chain has at least before it is cut in two (default 200,000; a thread costs more than it saves below). */
  splitAt?: number;
}

/**
 * Verify the chain as the store holds it: from its first event; from the newest checkpoint when
 * a prefix was pruned (saying so, and failing when that checkpoint's signature or claims do not
 * hold); or from `since` when that is later still.
 */
export async function verifyLiveChain(store: Store, opts: LiveVerifyOptions): Promise<LiveChainReport> {
  // Retention may prune the start of what this run reads while it reads it (another node, the
  // server's own schedule): events then seem missing. A newer checkpoint since the run began
  // says so; the chain is verified again from it (a few times at most), never reported as cut.
  for (let attempt = 1; ; attempt++) {
    const report = await verifyOnce(store, opts);
    if (report.ok || attempt === 3) return report;
    const newest = (await store.auditCheckpoints()).at(-1)?.seq_to ?? 0;
    if (newest <= (report.from_checkpoint?.seq_to ?? 0)) return report;
  }
}

async function verifyOnce(store: Store, opts: LiveVerifyOptions): Promise<LiveChainReport> {
  const head = await store.auditHead();
  const digest = opts.digest ? { digest: opts.digest } : {};
  const checkpoint = (await store.auditCheckpoints()).at(-1) ?? null;
  const checked = checkpoint ? await checkpointProblem(checkpoint, opts.keys) : null;
  const since = opts.since ?? null;
  let start: { point: ChainPoint; anchor: ChainPoint | null } | null = null;
  if (since && (!checkpoint || since.seq > checkpoint.seq_to)) {
    const [anchor] = await store.readAudit(since.seq - 1, 1);
    start = { point: since, anchor: anchor ?? null };
  } else if (checkpoint) {
    const point = { seq: checkpoint.seq_to, hash: checkpoint.head_hash };
    start = { point, anchor: point };
  }
  const first = start?.point.seq ?? 0;
  // The cut: the event halfway, as stored. Missing (deleted) or no tail verifier: one piece.
  const [cut] = opts.tail && head && head.seq - first >= (opts.splitAt ?? 200_000) ? await store.readAudit(first + Math.floor((head.seq - first) / 2) - 1, 1) : [];
  const piece = (end: ChainPoint | null) => verifyChain(readAllEvents(store, 5000, first), end, { ...digest, ...(start ? { from: { ...start.point, anchor: start.anchor } } : {}) });
  let report: ChainReport;
  if (cut && head && cut.seq < head.seq) {
    const point = { seq: cut.seq, hash: cut.hash };
    const [a, b] = await Promise.all([piece(point), opts.tail!(point, head)]);
    report = { ok: a.ok && b.ok, checked: a.checked + b.checked, problems: [...a.problems, ...b.problems].sort((x, y) => x.seq - y.seq), ...(a.from ? { from: a.from } : {}) };
  } else {
    report = await piece(head);
  }
  if (checked) report = { ...report, ok: false, problems: [checked, ...report.problems] };
  return {
    ...report,
    head: head?.hash ?? null,
    head_seq: head?.seq ?? null,
    ...(checkpoint ? { from_checkpoint: { seq_from: checkpoint.seq_from, seq_to: checkpoint.seq_to, head_hash: checkpoint.head_hash } } : {}),
  };
}

async function checkpointProblem(cp: AuditCheckpoint, keys: LiveVerifyOptions['keys']): Promise<ChainReport['problems'][number] | null> {
  try {
    const claims = await verifyCheckpoint(cp.jws, keys.jwks, keys.algorithms);
    if (sameClaims(claims, cp)) return null;
    return { seq: cp.seq_to, kind: 'checkpoint', detail: `the checkpoint recorded for seqs ${cp.seq_from}..${cp.seq_to} does not say what its signature says` };
  } catch {
    return { seq: cp.seq_to, kind: 'checkpoint', detail: `the checkpoint for seqs ${cp.seq_from}..${cp.seq_to} has no valid signature from Tollgate's keys` };
  }
}
