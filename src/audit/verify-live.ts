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
}

/**
 * Verify the chain as the store holds it: from its first event; from the newest checkpoint when
 * a prefix was pruned (saying so, and failing when that checkpoint's signature or claims do not
 * hold); or from `since` when that is later still.
 */
export async function verifyLiveChain(store: Store, opts: LiveVerifyOptions): Promise<LiveChainReport> {
  const head = await store.auditHead();
  const digest = opts.digest ? { digest: opts.digest } : {};
  const checkpoint = (await store.auditCheckpoints()).at(-1) ?? null;
  const checked = checkpoint ? await checkpointProblem(checkpoint, opts.keys) : null;
  const since = opts.since ?? null;
  let report: ChainReport;
  if (since && (!checkpoint || since.seq > checkpoint.seq_to)) {
    const [anchor] = await store.readAudit(since.seq - 1, 1);
    report = await verifyChain(readAllEvents(store, 5000, since.seq), head, { ...digest, from: { ...since, anchor: anchor ?? null } });
  } else if (checkpoint) {
    const point = { seq: checkpoint.seq_to, hash: checkpoint.head_hash };
    report = await verifyChain(readAllEvents(store, 5000, checkpoint.seq_to), head, { ...digest, from: { ...point, anchor: point } });
  } else {
    report = await verifyChain(readAllEvents(store), head, digest);
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
