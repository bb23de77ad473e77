import type { Store } from '../store/store.ts';
import { segmentClaims, signCheckpoint } from './checkpoint.ts';
import type { CheckpointClaims } from './checkpoint.ts';
import type { AuditEvent } from './event.ts';
import { readAllEvents } from './read-all.ts';
import { verifyChain } from './verify-chain.ts';
import type { ChainReport } from './verify-chain.ts';

/** A closed piece of the chain, ready to archive: its events and its signed checkpoint. */
export interface SignedSegment {
  events: AuditEvent[];
  claims: CheckpointClaims;
  jws: string;
}

/** Past this a segment is cut in two: it is held in memory while it is checked and written. */
export const MAX_SEGMENT_EVENTS = 200_000;

export class SegmentError extends Error {
  override name = 'SegmentError';
  readonly report: ChainReport | undefined;
  constructor(message: string, report?: ChainReport) {
    super(message);
    this.report = report;
  }
}

/**
 * Read seqs `from`..`to` from the store, check that they form an unbroken chain continuing the
 * event (or checkpoint) before them, and sign their checkpoint. Never signs what does not verify:
 * a checkpoint would otherwise vouch for an edit.
 */
export async function signSegment(
  store: Pick<Store, 'readAudit' | 'auditCheckpoints'>,
  range: { from: number; to: number },
  key: { kid: string; alg: string; key: CryptoKey },
  digest?: (text: string) => string | Promise<string>,
): Promise<SignedSegment> {
  const { from, to } = range;
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && to >= from)) throw new SegmentError('a segment is FROM-TO, with 1 <= FROM <= TO');
  if (to - from + 1 > MAX_SEGMENT_EVENTS) throw new SegmentError(`a segment holds at most ${MAX_SEGMENT_EVENTS} events`);
  const events: AuditEvent[] = [];
  for await (const e of readAllEvents(store, 5000, from - 1)) {
    if (e.seq > to) break;
    events.push(e);
  }
  const last = events.at(-1);
  if (!last || last.seq !== to) throw new SegmentError(`seqs ${from}..${to} are not all in the store (pruned already, or not yet written)`);
  const before = from === 1 ? null : await pointBefore(store, from);
  const opts = digest ? { digest } : {};
  const report = await verifyChain(events, { seq: last.seq, hash: last.hash }, before ? { ...opts, from: { ...before, anchor: before } } : opts);
  if (!report.ok) throw new SegmentError(`seqs ${from}..${to} do not verify; nothing was signed`, report);
  const claims = segmentClaims(events)!;
  return { events, claims, jws: await signCheckpoint(claims, key) };
}

/** The event before `seq`, or the checkpoint ending there when it was pruned. */
async function pointBefore(store: Pick<Store, 'readAudit' | 'auditCheckpoints'>, seq: number): Promise<{ seq: number; hash: string }> {
  const [e] = await store.readAudit(seq - 2, 1);
  if (e && e.seq === seq - 1) return { seq: e.seq, hash: e.hash };
  const cp = (await store.auditCheckpoints()).find((c) => c.seq_to === seq - 1);
  if (cp) return { seq: cp.seq_to, hash: cp.head_hash };
  throw new SegmentError(`seq ${seq - 1}, before the segment, is neither stored nor the end of a checkpoint`);
}
