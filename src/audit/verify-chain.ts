import { encodeLink } from './chain-link.ts';
import { GENESIS_HASH } from './event.ts';
import type { AuditEvent } from './event.ts';

export interface ChainProblem {
  seq: number;
  /** `checkpoint`: a checkpoint whose signature or claims do not hold (retention) */
  kind: 'edited' | 'missing' | 'reordered' | 'broken_link' | 'head_mismatch' | 'checkpoint';
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  problems: ChainProblem[];
  /** Set when verification started from a point verified before, instead of from the first event. */
  from?: ChainPoint;
}

/** A position in the chain: an event's seq and its hash. */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** `SEQ:HASH` (a seq and a SHA-256 hex), as verification reports report their head; null when malformed. */
export function parseChainPoint(s: string): ChainPoint | null {
  const m = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(s);
  if (!m || !Number.isSafeInteger(Number(m[1]))) return null;
  return { seq: Number(m[1]), hash: m[2]! };
}

export interface VerifyOptions {
  /**
   * SHA-256 hex of a text. Web Crypto by default; Node passes its own synchronous one, several
   * times faster per event than a promise round trip each.
   */
  digest?: (text: string) => string | Promise<string>;
  /**
   * Start after this point instead of from the first event: an earlier verification covered
   * everything up to it, so only what follows is checked (the caller kept the point, as it keeps
   * a head). `events` must then begin right after `from.seq`; `anchor` is the stored event at
   * `from.seq`, whose hash must still be `from.hash` (for a pruned prefix, the point its
   * verified checkpoint vouches for).
   */
  from?: ChainPoint & { anchor: ChainPoint | null };
}

const MAX_PROBLEMS = 100;

/** How many recent hashes are kept to recognise a genuine event sitting at the wrong position. */
const KNOWN_WINDOW = 10_000;

const HASH_CHUNK = 256;

/**
 * Check a log from its first event: every hash recomputed from the canonical form, every
 * prev_hash linked to the event before, seqs consecutive from 1, and the end matching `head`.
 * Finds edits, deletions (a gap; a lost tail shows as a head mismatch) and reordering. The first
 * ~100 problems are reported, with the verification carrying on past each.
 *
 * Events after `head.seq` are not checked: they were appended after the head was read, and
 * belong to the next run.
 *
 * A swapped-in event does not hash right at its new seq, yet it may be genuine: if its prev_hash
 * names a known event k and it hashes right as seq k+1, it is event k+1 moved, and is reported
 * as `reordered` rather than `edited`. Its predecessor may come later in the stream, so such
 * events wait in `pending` until it does (or the stream ends, and they count as edited).
 */
export async function verifyChain(
  events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  head: { seq: number; hash: string } | null,
  opts: VerifyOptions = {},
): Promise<ChainReport> {
  const digest = opts.digest ?? webSha256;
  // encodeLink reads only the link's named fields, so the stored hash on `e` is never hashed; a
  // copy is made only to hash an event as if at another seq (copying each one cost ~1 µs).
  const hashAs = (e: AuditEvent, seq: number) => digest(encodeLink(seq === e.seq ? e : { ...e, seq }).canonical);
  const problems: ChainProblem[] = [];
  const report = (seq: number, kind: ChainProblem['kind'], detail: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ seq, kind, detail });
  };
  const known = new Map<string, number>([[GENESIS_HASH, 0]]);
  const pending = new Map<string, AuditEvent>();
  // The window forgets its oldest hash through a ring of its keys: deleting a Map's first entry
  // again and again leaves holes its iterator must skip, which made this quadratic.
  const ring: (string | undefined)[] = new Array(KNOWN_WINDOW);
  let ringAt = 0;
  const note = (hash: string, seq: number) => {
    if (!known.has(hash)) {
      const old = ring[ringAt];
      if (old !== undefined) known.delete(old);
      ring[ringAt] = hash;
      ringAt = (ringAt + 1) % KNOWN_WINDOW;
    }
    known.set(hash, seq);
  };

  // Record where a hash belongs, and place any waiting event that named it as predecessor. The
  // common case (nothing waiting) stays synchronous: an await per event would cost more than its hash.
  const remember = (hash: string, seq: number): void | Promise<void> => {
    note(hash, seq);
    if (pending.has(hash)) return placeWaiting(hash, seq);
  };
  const placeWaiting = async (hash: string, seq: number): Promise<void> => {
    for (let h = hash, s = seq; ; ) {
      note(h, s);
      const waiting = pending.get(h);
      if (!waiting) return;
      pending.delete(h);
      if ((await hashAs(waiting, s + 1)) === waiting.hash) {
        report(waiting.seq, 'reordered', `seq ${waiting.seq} holds event ${s + 1} (it follows event ${s})`);
        s += 1;
      } else {
        report(waiting.seq, 'edited', `seq ${waiting.seq}: content does not match its hash`);
        s = waiting.seq;
      }
      h = waiting.hash;
    }
  };

  let checked = 0;
  let maxSeq = 0;
  let last: ChainPoint | null = null;
  let prev: { seq: number; hash: string; suspect: boolean } | null = null;
  const from = opts.from;
  if (from) {
    // What was verified up to `from` stands; the point itself must still be there, unchanged.
    if (from.anchor === null || from.anchor.seq !== from.seq || from.anchor.hash !== from.hash) {
      report(from.seq, 'broken_link', `seq ${from.seq}: the event verified before is ${from.anchor ? 'no longer the same' : 'gone'}`);
    }
    note(from.hash, from.seq);
    maxSeq = from.seq;
    last = from.anchor;
    prev = { seq: from.seq, hash: from.hash, suspect: false };
  }

  const check = (e: AuditEvent, ownHash: string): void | Promise<void> => {
    checked++;
    if (e.seq <= maxSeq) {
      report(e.seq, 'reordered', `seq ${e.seq} comes after seq ${maxSeq}`);
    } else {
      if (e.seq > maxSeq + 1) report(maxSeq + 1, 'missing', gap(maxSeq + 1, e.seq - 1));
      maxSeq = e.seq;
      last = e;
    }

    let suspect = false;
    if (ownHash === e.hash) {
      // A link is only judged between neighbours; a gap or a suspect predecessor is reported already.
      if (prev === null ? e.seq === 1 && e.prev_hash !== GENESIS_HASH : e.seq === prev.seq + 1 && !prev.suspect && e.prev_hash !== prev.hash) {
        report(e.seq, 'broken_link', `seq ${e.seq}: prev_hash does not match the hash of seq ${e.seq - 1} (one of them was rewritten)`);
      }
      prev = { seq: e.seq, hash: e.hash, suspect: false };
      return remember(e.hash, e.seq);
    }
    return checkSuspect(e);
  };

  // An event whose content does not hash to its stored hash: edited, or a genuine one moved.
  const checkSuspect = async (e: AuditEvent): Promise<void> => {
    const pred = known.get(e.prev_hash);
    if (pred !== undefined && pred + 1 !== e.seq && (await hashAs(e, pred + 1)) === e.hash) {
      report(e.seq, 'reordered', `seq ${e.seq} holds event ${pred + 1} (it follows event ${pred})`);
      await remember(e.hash, pred + 1);
    } else if (pred === undefined && !pending.has(e.prev_hash) && pending.size < MAX_PROBLEMS) {
      pending.set(e.prev_hash, e);
    } else {
      report(e.seq, 'edited', `seq ${e.seq}: content does not match its hash`);
      // An edit usually leaves the stored hash alone, and that still names this position.
      await remember(e.hash, e.seq);
    }
    prev = { seq: e.seq, hash: e.hash, suspect: true };
  };

  // Web Crypto digests are asynchronous and cheap to run side by side, but costly one at a time
  // (a promise round trip each), so hashes are computed a chunk at a time and checked in order.
  let chunk: AuditEvent[] = [];
  const flush = async () => {
    const computed = chunk.map((e) => hashAs(e, e.seq));
    const hashes = computed.every((h) => typeof h === 'string') ? (computed as string[]) : await Promise.all(computed);
    for (let i = 0; i < chunk.length; i++) {
      const later = check(chunk[i]!, hashes[i]!);
      if (later) await later;
    }
    chunk = [];
  };
  for await (const e of events) {
    if (head && e.seq > head.seq) break;
    chunk.push(e);
    if (chunk.length === HASH_CHUNK) await flush();
  }
  await flush();

  for (const e of pending.values()) report(e.seq, 'edited', `seq ${e.seq}: content does not match its hash`);
  // The head check is reported even past the cap: it is the one that says the tail is gone.
  const headProblem = checkHead(last, head);
  if (headProblem) problems.push(headProblem);
  problems.sort((a, b) => a.seq - b.seq);
  return { ok: problems.length === 0, checked, problems, ...(from ? { from: { seq: from.seq, hash: from.hash } } : {}) };
}

function checkHead(last: ChainPoint | null, head: { seq: number; hash: string } | null): ChainProblem | null {
  if (!head) return last ? { seq: last.seq, kind: 'head_mismatch', detail: `the log has events up to seq ${last.seq} but no head is recorded` } : null;
  if (!last) return { seq: 1, kind: 'head_mismatch', detail: `the head is at seq ${head.seq} but the log is empty` };
  if (last.seq < head.seq) {
    return { seq: last.seq + 1, kind: 'head_mismatch', detail: `the log ends at seq ${last.seq} but the head is at seq ${head.seq}: ${gap(last.seq + 1, head.seq)}` };
  }
  if (last.hash !== head.hash) return { seq: last.seq, kind: 'head_mismatch', detail: `seq ${last.seq}: hash differs from the recorded head` };
  return null;
}

function gap(from: number, to: number): string {
  return from === to ? `seq ${from} is missing` : `seqs ${from}..${to} are missing`;
}

async function webSha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
