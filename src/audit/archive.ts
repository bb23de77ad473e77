import type { JWK } from 'jose';
import { verifyCheckpoint } from './checkpoint.ts';
import type { CheckpointClaims } from './checkpoint.ts';
import type { AuditEvent } from './event.ts';
import { GENESIS_HASH } from './event.ts';
import type { SignedSegment } from './segment.ts';
import { verifyChain } from './verify-chain.ts';
import type { ChainProblem, ChainReport } from './verify-chain.ts';

/**
 * Where exported segments live: a directory on Node (src/node/directory-archive.ts), an R2 bucket
 * on Workers (src/worker/r2-archive.ts). Objects are whole texts under flat names.
 */
export interface AuditArchive {
  /** where it is, as the checkpoint records it (`exported_to`) */
  readonly location: string;
  /** Store `text` under `name` durably, replacing what was there; a reader sees all of it or none. */
  put(name: string, text: string): Promise<void>;
  /** The text under `name`, or null when there is none. */
  get(name: string): Promise<string | null>;
  /** Every name that starts with `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Lets go of connections (an S3 client's), where it holds any. */
  close?(): void;
}

/**
 * An audit archive holds segments: `audit-FROM-TO.jsonl` (one event per line, as GET /v1/audit
 * gives them) beside `audit-FROM-TO.checkpoint.jws`, its signed checkpoint. Seqs are zero-padded
 * so the names sort in chain order.
 */
const NAME = /^audit-(\d{16})-(\d{16})\.checkpoint\.jws$/;

export function segmentBase(from: number, to: number): string {
  return `audit-${String(from).padStart(16, '0')}-${String(to).padStart(16, '0')}`;
}

/** Write a segment: its events first, its checkpoint last, so a segment without one is an unfinished export, never mistaken for a done one. */
export async function writeSegment(archive: AuditArchive, seg: SignedSegment): Promise<{ events: string; checkpoint: string }> {
  const base = segmentBase(seg.claims.seq_from, seg.claims.seq_to);
  const names = { events: `${base}.jsonl`, checkpoint: `${base}.checkpoint.jws` };
  await archive.put(names.events, seg.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  await archive.put(names.checkpoint, `${seg.jws}\n`);
  return names;
}

export interface ArchivedSegment {
  claims: CheckpointClaims;
  jws: string;
  events: AuditEvent[];
}

export interface ArchiveReport {
  ok: boolean;
  segments: number;
  checked: number;
  /** the seqs the archive covers, when it has a segment */
  first_seq: number | null;
  last_seq: number | null;
  head_hash: string | null;
  problems: (ChainProblem & { segment?: string })[];
}

export interface ArchiveKeys {
  jwks: { keys: JWK[] };
  algorithms: string[];
}

/** Read one segment and check its checkpoint's signature; null when it was not exported. */
export async function readSegment(archive: AuditArchive, from: number, to: number, keys: ArchiveKeys): Promise<ArchivedSegment | null> {
  const base = segmentBase(from, to);
  const [jws, text] = await Promise.all([archive.get(`${base}.checkpoint.jws`), archive.get(`${base}.jsonl`)]);
  if (jws === null || text === null) return null;
  return { claims: await verifyCheckpoint(jws.trim(), keys.jwks, keys.algorithms), jws: jws.trim(), events: parseLines(text) };
}

/** A segment's events against its own checkpoint: hashes, links, and the head it signs. */
export function verifySegmentEvents(seg: ArchivedSegment, digest?: (text: string) => string): Promise<ChainReport> {
  const c = seg.claims;
  const before = { seq: c.seq_from - 1, hash: c.prev_hash };
  return verifyChain(seg.events, { seq: c.seq_to, hash: c.head_hash }, {
    ...(digest ? { digest } : {}),
    ...(c.seq_from > 1 ? { from: { ...before, anchor: before } } : {}),
  });
}

function parseLines(text: string): AuditEvent[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditEvent);
}

/**
 * Verify a whole archive offline: every checkpoint's signature against the published key set,
 * every segment's events against its checkpoint (hashes, links, count, head), and the segments
 * against each other (each continues the one before, the first from the genesis hash).
 */
export async function verifyArchive(archive: AuditArchive, keys: ArchiveKeys, digest?: (text: string) => string): Promise<ArchiveReport> {
  const names = (await archive.list('audit-')).filter((n) => NAME.test(n)).sort();
  const problems: ArchiveReport['problems'] = [];
  let checked = 0;
  let prev: { seq: number; hash: string } | null = null;
  let first: number | null = null;
  for (const name of names) {
    const m = NAME.exec(name)!;
    const [from, to] = [Number(m[1]), Number(m[2])];
    const segment = segmentBase(from, to);
    let seg: ArchivedSegment | null;
    try {
      seg = await readSegment(archive, from, to, keys);
    } catch (e) {
      problems.push({ seq: from, kind: 'checkpoint', detail: `segment ${from}..${to}: ${e instanceof Error ? e.message : 'unreadable'}`, segment });
      prev = null;
      continue;
    }
    if (!seg) {
      problems.push({ seq: from, kind: 'missing', detail: `segment ${from}..${to}: its events file is missing`, segment });
      continue;
    }
    const c = seg.claims;
    if (c.seq_from !== from || c.seq_to !== to) problems.push({ seq: from, kind: 'checkpoint', detail: `segment ${from}..${to}: its checkpoint covers ${c.seq_from}..${c.seq_to}`, segment });
    first ??= c.seq_from;
    const expectedBefore = prev ?? (c.seq_from === 1 ? { seq: 0, hash: GENESIS_HASH } : null);
    if (expectedBefore === null) {
      problems.push({ seq: c.seq_from, kind: 'missing', detail: `seqs before ${c.seq_from} are not in the archive`, segment });
    } else if (expectedBefore.seq + 1 !== c.seq_from) {
      problems.push({ seq: expectedBefore.seq + 1, kind: 'missing', detail: `seqs ${expectedBefore.seq + 1}..${c.seq_from - 1} are in no segment`, segment });
    } else if (expectedBefore.hash !== c.prev_hash) {
      problems.push({ seq: c.seq_from, kind: 'broken_link', detail: `segment ${from}..${to} does not continue the segment before it`, segment });
    }
    const report = await verifySegmentEvents(seg, digest);
    checked += report.checked;
    for (const p of report.problems) problems.push({ ...p, segment });
    if (report.checked !== c.count) problems.push({ seq: c.seq_from, kind: 'missing', detail: `segment ${from}..${to} holds ${report.checked} events, its checkpoint ${c.count}`, segment });
    prev = { seq: c.seq_to, hash: c.head_hash };
  }
  if (names.length === 0) problems.push({ seq: 1, kind: 'missing', detail: `no segment in ${archive.location}` });
  return { ok: problems.length === 0, segments: names.length, checked, first_seq: first, last_seq: prev?.seq ?? null, head_hash: prev?.hash ?? null, problems };
}
