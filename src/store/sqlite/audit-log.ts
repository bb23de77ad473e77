import { hash as digest } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { GENESIS_HASH } from '../../audit/event.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import { chainLink, encodeLink } from '../../audit/chain-link.ts';
import { AUDIT_COLUMNS, rowToEvent } from './audit-rows.ts';
import type { AuditRow } from './audit-rows.ts';
import { clampLimit } from './limits.ts';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import { CHECKPOINTS_SQL, INSERT_CHECKPOINT_SQL, PRUNE_OK_SQL, checkpointValues, pruneOkParams, rowToCheckpoint } from './audit-checkpoint-rows.ts';

export const MAX_AUDIT_PAGE = 10_000;

interface Head {
  seq: number;
  hash: string;
}

/** The hash-chained `audit_events` table and its one-row `audit_head`. */
export class SqliteAuditLog {
  readonly #db: Database;
  readonly #head: Statement<[], Head>;
  readonly #insert: Statement<(string | number | null)[]>;
  readonly #setHead: Statement<[number, string]>;
  readonly #read: Statement<[number, number], AuditRow>;

  constructor(db: Database) {
    this.#db = db;
    this.#head = db.prepare<[], Head>('SELECT seq, hash FROM audit_head WHERE id = 1');
    this.#insert = db.prepare<(string | number | null)[]>(
      `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`,
    );
    this.#setHead = db.prepare<[number, string]>(
      'INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
    );
    this.#read = db.prepare<[number, number], AuditRow>(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`);
  }

  /**
   * Chain `drafts` onto the log. Only inside a write transaction (BEGIN IMMEDIATE): the head is
   * read from the database, not remembered, because another process (the CLI) may have appended
   * since; the write lock is what keeps anyone from appending between that read and our insert.
   */
  append(drafts: readonly AuditDraft[]): AuditEvent[] {
    if (!this.#db.inTransaction) throw new Error('audit append outside a transaction');
    let { seq, hash } = this.#head.get() ?? { seq: 0, hash: GENESIS_HASH };
    const events = drafts.map((d) => {
      seq += 1;
      const link = chainLink(d, seq, hash);
      const { canonical, values } = encodeLink(link);
      hash = digest('sha256', canonical, 'hex');
      this.#insert.run(...values, hash);
      return { ...link, hash };
    });
    if (events.length > 0) this.#setHead.run(seq, hash);
    return events;
  }

  /** Record the checkpoint and delete its segment, if it continues the chain's pruned prefix. Inside a write transaction. */
  prune(cp: AuditCheckpoint): boolean {
    if (!this.#db.inTransaction) throw new Error('audit prune outside a transaction');
    const ok = this.#db.prepare<(string | number)[], { ok: number }>(`SELECT ${PRUNE_OK_SQL} AS ok`).get(...pruneOkParams(cp));
    if (!ok?.ok) return false;
    this.#db.prepare(INSERT_CHECKPOINT_SQL).run(...checkpointValues(cp));
    this.#db.prepare('DELETE FROM audit_events WHERE seq <= ?').run(cp.seq_to);
    return true;
  }

  checkpoints(): AuditCheckpoint[] {
    return this.#db.prepare<[], Record<string, unknown>>(CHECKPOINTS_SQL).all().map(rowToCheckpoint);
  }

  head(): Head | null {
    const h = this.#head.get();
    return h && h.seq > 0 ? { seq: h.seq, hash: h.hash } : null;
  }

  read(afterSeq: number, limit: number): AuditEvent[] {
    const n = clampLimit(limit, MAX_AUDIT_PAGE);
    return n === 0 ? [] : this.#read.all(afterSeq, n).map(rowToEvent);
  }
}
