import type { SqlStatement } from './sql-database.ts';
import { GENESIS_HASH } from '../../audit/event.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import { chainLink, encodeLink } from '../../audit/chain-link.ts';
import { AUDIT_COLUMNS } from '../sqlite/audit-rows.ts';
import type { Dialect } from '../dialect.ts';
import { expectChanges } from './guard.ts';
import { jsonChunks, jsonColumns } from './json-chunks.ts';
import { headAfter } from './known-head.ts';
import type { SqlBatching } from './json-chunks.ts';

export interface AuditHead {
  seq: number;
  hash: string;
}

export const HEAD_SQL = 'SELECT seq, hash FROM audit_head WHERE id = 1';

// seq and time are integers; every other column is text.
const AUDIT_TYPES = AUDIT_COLUMNS.map((c) => (c === 'seq' || c === 'time' ? 'int' : 'text'));
const insertSql = (d: Dialect) => `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) SELECT ${jsonColumns(d, AUDIT_TYPES)} FROM ${d.jsonRows}`;

export interface Append {
  events: AuditEvent[];
  /** the statements that write them; they fail the batch if the head moved since it was read */
  statements: SqlStatement[];
}

/**
 * Chain `drafts` onto `head` (as read in the same snapshot as the rows the operation changes),
 * with the same link encoding as the SQLite store, hashed with Web Crypto.
 */
export async function appendAudit(cx: SqlBatching, head: AuditHead | null, drafts: readonly AuditDraft[]): Promise<Append> {
  const { db } = cx;
  if (drafts.length === 0) return { events: [], statements: [] };
  let seq = head?.seq ?? 0;
  let hash = head?.hash ?? GENESIS_HASH;
  const events: AuditEvent[] = [];
  const rows: unknown[] = [];
  for (const d of drafts) {
    seq += 1;
    const link = chainLink(d, seq, hash);
    const { canonical, values } = encodeLink(link);
    hash = cx.digest ? cx.digest(canonical) : await sha256Hex(canonical);
    rows.push([...values, hash]);
    events.push({ ...link, hash });
  }
  const statements = jsonChunks(rows, cx.maxParamBytes).map((c) => db.prepare(insertSql(cx.dialect)).bind(c.json));
  // The seq primary key already refuses an append onto a stale head; the head row is guarded
  // too, so a head and a log that disagree (a tampered tail) stop writes instead of forking.
  if (head === null) {
    statements.push(db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)').bind(seq, hash));
  } else {
    statements.push(db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ?').bind(seq, hash, head.seq, head.hash));
    statements.push(expectChanges(db, 1));
  }
  headAfter(cx, { seq, hash });
  return { events, statements };
}

export function toHead(row: AuditHead | null | undefined): AuditHead | null {
  return row && row.seq > 0 ? { seq: row.seq, hash: row.hash } : null;
}

async function sha256Hex(s: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
