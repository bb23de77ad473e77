import type { Database, Statement } from 'better-sqlite3';
import type { CallLease, IssuedCallLease } from '../store.ts';
import { CALL_LEASE_MAY_BE_LIVE } from '../write-rules.ts';

/** An open call lease: one whose credential may still be live upstream. */
export interface OpenCallLease {
  id: string;
  provider: string;
  lease: string | null;
}

interface LeaseState {
  grant_id: string;
  provider: string;
  issued_at: number | null;
}

/** `call_leases`: upstream credentials issued for gateway calls. Plain reads and writes: callers own the transactions. */
export class SqliteCallLeases {
  readonly #insert: Statement<[string, string, string, string, number]>;
  readonly #get: Statement<[string], LeaseState>;
  readonly #complete: Statement<[number, string | null, string | null, number, string]>;
  readonly #open: Statement<[string, number], OpenCallLease>;
  readonly #openOfMany: Statement<[string, number], OpenCallLease & { grant_id: string }>;

  constructor(db: Database) {
    this.#insert = db.prepare('INSERT INTO call_leases (id, grant_id, provider, action, created_at) VALUES (?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT grant_id, provider, issued_at FROM call_leases WHERE id = ?');
    this.#complete = db.prepare('UPDATE call_leases SET issued_at = ?, lease = ?, fingerprint = ?, expires_at = ? WHERE id = ?');
    this.#open = db.prepare(`SELECT id, provider, lease FROM call_leases WHERE grant_id = ? AND ${CALL_LEASE_MAY_BE_LIVE} ORDER BY created_at`);
    this.#openOfMany = db.prepare(
      `SELECT grant_id, id, provider, lease FROM call_leases
       WHERE grant_id IN (SELECT value FROM json_each(?)) AND ${CALL_LEASE_MAY_BE_LIVE} ORDER BY created_at`,
    );
  }

  insert(l: CallLease): void {
    this.#insert.run(l.id, l.grant_id, l.provider, l.action, l.created_at);
  }

  get(id: string): LeaseState | null {
    return this.#get.get(id) ?? null;
  }

  complete(id: string, time: number, issued: IssuedCallLease): void {
    this.#complete.run(time, issued.lease, issued.fingerprint, issued.expires_at, id);
  }

  /** The grant's leases whose credential may still be live at `now`. */
  open(grantId: string, now: number): OpenCallLease[] {
    return this.#open.all(grantId, now);
  }

  /**
   * The same for a batch of grants in one statement (a revocation batch would otherwise ask once
   * per grant, and almost every answer is empty): per grant id, its open leases in `open`'s order.
   */
  openOf(grantIds: readonly string[], now: number): Map<string, OpenCallLease[]> {
    const out = new Map<string, OpenCallLease[]>();
    if (grantIds.length === 0) return out;
    for (const { grant_id, ...l } of this.#openOfMany.all(JSON.stringify(grantIds), now)) {
      const list = out.get(grant_id);
      if (list) list.push(l);
      else out.set(grant_id, [l]);
    }
    return out;
  }
}
