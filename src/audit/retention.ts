import type { Keyring } from '../keys/keyring.ts';
import type { Store } from '../store/store.ts';
import { readSegment, segmentBase, verifySegmentEvents, writeSegment, type ArchiveKeys, type AuditArchive } from './archive.ts';
import type { AuditCheckpoint } from './checkpoint.ts';
import { draft } from './event.ts';
import { readAllEvents } from './read-all.ts';
import { pruneThrough, segmentRanges, type RetentionPolicy } from './retention-plan.ts';
import { signSegment } from './segment.ts';

export interface RetentionTarget {
  store: Store;
  keyring: Keyring;
  /** where segments are exported */
  archive: AuditArchive;
  /** SHA-256 as hex; Web Crypto when not given (Node passes its synchronous one: faster over long segments) */
  digest?: (text: string) => string;
}

export interface RetentionResult {
  pruned: AuditCheckpoint[];
  /** why pruning stopped short; what was pruned before stays pruned */
  refused?: string;
}

/** The first seq the live store still holds (the one after the newest checkpoint). */
export async function firstRetained(store: Store): Promise<number> {
  return ((await store.auditCheckpoints()).at(-1)?.seq_to ?? 0) + 1;
}

export function archiveKeys(k: Keyring): ArchiveKeys {
  return { jwks: k.jwks, algorithms: k.algorithms };
}

/**
 * Apply a retention policy once: export, signed, every segment it lets go, then prune them.
 * `wholeSegments` (the server's schedule) lets go only of full segments, so a run every few
 * minutes does not cut the archive into slivers; an operator's `tollgate audit retain` takes
 * everything due. Throws SegmentError when the live chain does not verify: nothing is exported then.
 */
export async function applyRetention(t: RetentionTarget, policy: RetentionPolicy, now: number, opts: { wholeSegments?: boolean } = {}): Promise<RetentionResult> {
  const from = await firstRetained(t.store);
  let through = await pruneThrough(readAllEvents(t.store, 5000, from - 1), await t.store.auditHead(), policy, now);
  if (opts.wholeSegments) through = from - 1 + Math.floor(Math.max(0, through - from + 1) / policy.segment_events) * policy.segment_events;
  if (through < from) return { pruned: [] };
  for (const range of segmentRanges(from, through, policy.segment_events)) await writeSegment(t.archive, await signSegment(t.store, range, t.keyring.current, t.digest));
  return pruneExported(t, through, archiveKeys(t.keyring), now);
}

/**
 * Prune the live store through `through`: only segments found in the archive, whose checkpoint
 * verifies against Tollgate's keys and whose events verify against it; the store then checks the
 * checkpoint against the events it holds. Refused otherwise, nothing more pruned.
 */
export async function pruneExported(t: RetentionTarget, through: number, keys: ArchiveKeys, now: number): Promise<RetentionResult> {
  const dir = t.archive.location;
  const names = await t.archive.list('audit-');
  const pruned: AuditCheckpoint[] = [];
  for (let from = await firstRetained(t.store); from <= through; ) {
    const to = findSegmentEnd(names, from, through);
    if (to === null) return { pruned, refused: `seqs ${from}..${through} were not exported to ${dir}: export them first (tollgate audit export --segment ${from}-${through})` };
    let seg;
    try {
      seg = await readSegment(t.archive, from, to, keys);
    } catch {
      return { pruned, refused: `the checkpoint of the archived segment ${from}..${to} does not verify against Tollgate's keys` };
    }
    if (!seg) return { pruned, refused: `the archived segment ${from}..${to} is incomplete (its events file is missing)` };
    const c = seg.claims;
    const report = await verifySegmentEvents(seg, t.digest);
    if (!report.ok || report.checked !== c.count) return { pruned, refused: `the archived segment ${from}..${to} does not verify against its checkpoint` };
    const cp: AuditCheckpoint = { ...c, exported_to: dir, jws: seg.jws, pruned_at: now };
    const event = draft('audit.pruned', now, { reason: 'retention', detail: { seq_from: c.seq_from, seq_to: c.seq_to, count: c.count, head_hash: c.head_hash, exported_to: dir } });
    if (!(await t.store.pruneAudit(cp, event))) return { pruned, refused: `the store refused segment ${from}..${to}: its checkpoint does not match the events it holds` };
    pruned.push(cp);
    from = to + 1;
  }
  return { pruned };
}

/** The end of the archived segment starting at `from` that does not reach past `through`. */
function findSegmentEnd(names: readonly string[], from: number, through: number): number | null {
  const prefix = segmentBase(from, 0).slice(0, -16);
  const ends = names.filter((n) => n.startsWith(prefix) && n.endsWith('.checkpoint.jws')).map((n) => Number(n.slice(prefix.length, prefix.length + 16)));
  const fit = ends.filter((t) => t <= through).sort((a, b) => b - a)[0];
  return fit ?? null;
}
