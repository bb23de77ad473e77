import type { Database, Statement } from 'better-sqlite3';
import type { Grant, GrantStatus } from '../../model/grant.ts';
import type { GrantListFilter, GrantPage, GrantPatch, RevocationFilter, RiskSubject } from '../store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { LIVE_SQL } from './filter-sql.ts';
import { ORPHANED_GRANTS_SQL, countLiveQuery, listQuery, liveQuery, newestLiveQuery } from './grant-queries.ts';
import { GRANT_COLUMNS, INSERT_GRANT_SQL, grantToRow, rowToGrant } from './grant-rows.ts';
import type { GrantRow } from './grant-rows.ts';
import { clampLimit } from './limits.ts';
import { StatementCache } from './statement-cache.ts';
import { StoreRefused } from '../store-errors.ts';

export { listQuery, liveQuery } from './grant-queries.ts';

export const MAX_LIST_PAGE = 1000;

const COLUMNS = GRANT_COLUMNS.join(', ');

/** What a transition may write besides the status; column names come from here, never from the patch. */
const PATCH_COLUMNS = ['expires_at', 'issued_at', 'revoked_at', 'status_reason', 'lease', 'credential_fingerprint', 'credential_expires_at'] as const satisfies readonly (keyof GrantPatch)[];

/** The `grants` table. Plain reads and writes: callers own the transactions. */
export class SqliteGrants {
  readonly #cache: StatementCache;
  readonly #insert: Statement<[GrantRow]>;
  readonly #get: Statement<[string], GrantRow>;
  readonly #byFingerprint: Statement<[string], GrantRow>;
  readonly #markRevoked: Statement<[number, string, string | null, string]>;
  readonly #markExpired: Statement<[string]>;
  readonly #markFailed: Statement<[string, string]>;
  readonly #dueForExpiry: Statement<[number, number], GrantRow>;
  readonly #staleIssuing: Statement<[number, number], GrantRow>;
  readonly #liveOf: Record<RiskSubject['kind'], Statement<[string, number, number], GrantRow & { rowid_: number }>>;

  constructor(db: Database) {
    this.#cache = new StatementCache(db);
    this.#insert = db.prepare<[GrantRow]>(INSERT_GRANT_SQL);
    this.#get = db.prepare<[string], GrantRow>(`SELECT ${COLUMNS} FROM grants WHERE id = ?`);
    this.#byFingerprint = db.prepare<[string], GrantRow>(`SELECT ${COLUMNS} FROM grants WHERE credential_fingerprint = ?`);
    this.#markRevoked = db.prepare<[number, string, string | null, string]>(
      `UPDATE grants SET status = 'revoked', revoked_at = ?, status_reason = ?, revoked_by = ? WHERE id = ?`,
    );
    this.#markExpired = db.prepare<[string]>(`UPDATE grants SET status = 'expired' WHERE id = ?`);
    this.#markFailed = db.prepare<[string, string]>(`UPDATE grants SET status = 'failed', status_reason = ? WHERE id = ?`);
    // No ORDER BY: after a long outage the backlog may be huge, and sorting all of it to take
    // one batch would defeat the index. Each status's range already comes in expiry order.
    this.#dueForExpiry = db.prepare<[number, number], GrantRow>(
      `SELECT ${COLUMNS} FROM grants WHERE status IN ('active', 'pending_approval') AND expires_at <= ? LIMIT ?`,
    );
    this.#staleIssuing = db.prepare<[number, number], GrantRow>(
      `SELECT ${COLUMNS} FROM grants WHERE status = 'issuing' AND created_at < ? ORDER BY created_at LIMIT ?`,
    );
    // The live-only partial indexes hold (key, rowid): paging on rowid walks one range of the
    // index and never sorts, however many live grants the subject has.
    const liveOf = (column: 'agent' | 'principal', index: string) =>
      db.prepare<[string, number, number], GrantRow & { rowid_: number }>(
        `SELECT rowid AS rowid_, ${COLUMNS} FROM grants INDEXED BY ${index} WHERE ${column} = ? AND ${LIVE_SQL} AND rowid > ? ORDER BY rowid LIMIT ?`,
      );
    this.#liveOf = { agent: liveOf('agent', 'grants_live_agent'), principal: liveOf('principal', 'grants_live_principal') };
  }

  /** Throws (SQLITE_CONSTRAINT_PRIMARYKEY) when the id exists. */
  insert(g: Grant): void {
    this.#insert.run(grantToRow(g));
  }

  get(id: string): Grant | null {
    const r = this.#get.get(id);
    return r ? rowToGrant(r) : null;
  }

  byFingerprint(fingerprint: string): Grant | null {
    const r = this.#byFingerprint.get(fingerprint);
    return r ? rowToGrant(r) : null;
  }

  /** One UPDATE guarded by the expected statuses, so the database decides who wins a race. */
  compareAndSet(id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch): Grant | null {
    if (from.length === 0) return null;
    const set = PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
    const sql =
      `UPDATE grants SET status = ?${set.map((c) => `, ${c} = ?`).join('')}` +
      ` WHERE id = ? AND status IN (${from.map(() => '?').join(', ')}) RETURNING ${COLUMNS}`;
    const row = this.#cache.get<GrantRow>(sql).get(to, ...set.map((c) => patch[c] ?? null), id, ...from);
    return row ? rowToGrant(row) : null;
  }

  /** Newest first, keyset-paged on (created_at, id) so pages neither skip nor repeat rows under inserts. */
  list(filter: GrantListFilter, limit: number, cursor: string | null): GrantPage {
    const n = clampLimit(limit, MAX_LIST_PAGE);
    if (n === 0) return { grants: [], next_cursor: null };
    // One extra row tells whether another page exists without a second query.
    const q = listQuery(filter, cursor === null ? null : decodeCursor(cursor), n + 1);
    const rows = this.#cache.get<GrantRow>(q.sql).all(...q.params);
    const grants = rows.slice(0, n).map(rowToGrant);
    const last = grants.at(-1);
    return { grants, next_cursor: rows.length > n && last ? encodeCursor(last) : null };
  }

  live(filter: RevocationFilter, limit: number): GrantRow[] {
    const q = liveQuery(filter, limit);
    return this.#cache.get<GrantRow>(q.sql).all(...q.params);
  }

  /** One page of a subject's live grants in rowid order; the cursor is the last rowid, opaque to callers. */
  liveOf(subject: RiskSubject, limit: number, cursor: string | null): GrantPage {
    const n = clampLimit(limit, MAX_LIST_PAGE);
    if (n === 0) return { grants: [], next_cursor: null };
    const after = cursor === null ? 0 : decodeRowidCursor(cursor);
    const rows = this.#liveOf[subject.kind].all(subject.id, after, n + 1);
    const page = rows.slice(0, n);
    const last = page.at(-1);
    return { grants: page.map(rowToGrant), next_cursor: rows.length > n && last ? Buffer.from(String(last.rowid_)).toString('base64url') : null };
  }

  orphaned(limit: number): string[] {
    return this.#cache.get<{ id: string }>(ORPHANED_GRANTS_SQL).all(limit).map((r) => r.id);
  }

  /** The newest created_at among the live grants the filter names, or null. */
  newestLive(filter: RevocationFilter): number | null {
    const q = newestLiveQuery(filter);
    return this.#cache.get<{ m: number | null }>(q.sql).get(...q.params)?.m ?? null;
  }

  countLive(filter: RevocationFilter): number {
    const q = countLiveQuery(filter);
    const row = this.#cache.get<{ n: number }>(q.sql).get(...q.params);
    return row?.n ?? 0;
  }

  markRevoked(id: string, time: number, reason: string, revokedBy: string | null): void {
    this.#markRevoked.run(time, reason, revokedBy, id);
  }


  dueForExpiry(now: number, limit: number): GrantRow[] {
    return this.#dueForExpiry.all(now, limit);
  }

  markExpired(id: string): void {
    this.#markExpired.run(id);
  }

  staleIssuing(before: number, limit: number): GrantRow[] {
    return this.#staleIssuing.all(before, limit);
  }

  markFailed(id: string, reason: string): void {
    this.#markFailed.run(reason, id);
  }
}

function decodeRowidCursor(s: string): number {
  const n = Number(Buffer.from(s, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) throw new StoreRefused('malformed live-grant cursor');
  return n;
}
