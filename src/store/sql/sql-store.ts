import { SQLITE } from '../dialect.ts';
import type { Dialect } from '../dialect.ts';
import type { Approval } from '../../approvals/approval.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import type { RiskLevel } from '../../policy/types.ts';
import type { Grant, GrantStatus } from '../../model/grant.ts';
import { AUDIT_COLUMNS, rowToEvent } from '../sqlite/audit-rows.ts';
import type { AuditRow } from '../sqlite/audit-rows.ts';
import { decodeCursor, encodeCursor } from '../sqlite/cursor.ts';
import { LIVE_SQL, liveWhere } from '../sqlite/filter-sql.ts';
import { countLiveQuery, listQuery, orphanedGrantsSql } from '../sqlite/grant-queries.ts';
import { GRANT_COLUMNS, rowToGrant } from '../sqlite/grant-rows.ts';
import type { GrantRow } from '../sqlite/grant-rows.ts';
import { clampLimit } from '../sqlite/limits.ts';
import { JOB_COLUMNS, claimJobsSql, oldestFirst } from '../claim-jobs.ts';
import { callViewSql, rowToCallView } from './call-view-query.ts';
import { coalescedReads } from './coalesced-reads.ts';
import type {
  ApprovalListFilter,
  CallView,
  Block,
  ApprovalPage,
  ApprovalPatch,
  CallLease,
  GrantStep,
  IssuedCallLease,
  RecordedRisk,
  RiskChange,
  RiskSubject,
  GrantListFilter,
  GrantPage,
  GrantPatch,
  RevocationFilter,
  RevocationJob,
  RevocationRecord,
  RevocationTally,
  RevokeContext,
  Store,
} from '../store.ts';
import { HEAD_SQL, toHead } from './audit-append.ts';
import { DEFAULT_MAX_PARAM_BYTES } from './json-chunks.ts';
import type { AuditHead } from './audit-append.ts';
import { sqlApprovalOperations } from './approval-operations.ts';
import { sqlCallLeaseOperations } from './call-lease-operations.ts';
import { sqlRiskOperations } from './risk-operations.ts';
import { sqlAuditRetentionOperations } from './audit-retention-operations.ts';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import { sqlFreezeOperations } from './freeze-operations.ts';
import { sqlBlockOperations } from './block-operations.ts';
import type { Freeze } from '../../grants/freeze.ts';
import { REVOCATION_COLUMNS, toRecord, type RevocationRow } from '../sqlite/revocation-rows.ts';
import type { SqlDatabase } from './sql-database.ts';
import { sqlWriteOperations } from './write-operations.ts';
import type { SqlWriteOperations } from './write-operations.ts';
import { inProcessExclusion } from '../run-alone.ts';
import { StoreRefused } from '../store-errors.ts';

/** Page caps, as on SQLite. */
const MAX_LIST_PAGE = 1000;
const MAX_AUDIT_PAGE = 10_000;
const MAX_CLAIM = 1000;
/** Gateway-call views: statements out at once, and grants one statement reads, when coalesced. */
const CALL_VIEWS_IN_FLIGHT = 2;
const CALL_VIEWS_PER_READ = 64;

export interface SqlStoreOptions {
  /**
   * The most rows one write batch takes (default 2000). A batch's rows are read in one result
   * and its events travel as statement parameters, and D1 bounds both; a larger `limit` runs as
   * several batches, each atomic on its own (every grant still changes with its event and job).
   */
  maxWriteRows?: number;
  /** The largest JSON parameter of one statement; more rows go into more statements of the same batch. */
  maxParamBytes?: number;
  /** The SQL dialect of the database behind `db` (SQLite for D1). */
  dialect?: Dialect;
  /** See SqlBatching.serialWrites. */
  serialWrites?: boolean;
  /** See SqlBatching.digest. */
  digest?: (text: string) => string;
  /**
   * Gateway calls' views read together when they pile up (coalescedReads): for a pooled server
   * connection, where each statement is a round trip. Not for D1, whose I/O belongs to the request
   * that started it.
   */
  coalesceCallViews?: boolean;
}

const COLUMNS = GRANT_COLUMNS.join(', ');

/**
 * The Store over any SqlDatabase: Cloudflare D1 for the Workers build, PostgreSQL for several
 * Node processes (src/store/postgres/). Web APIs only. Reads are single statements (or one read
 * batch); writes are the guarded batches of write-operations.ts, so concurrent writers on other
 * isolates or nodes never need a lock held across a round trip. The constructor does not migrate:
 * use openD1Store (src/store/d1/) / openPostgresStore (src/store/postgres/), or migrate once before.
 */
export class SqlStore implements Store {
  readonly #db: SqlDatabase;
  readonly #dialect: Dialect;
  readonly #write: SqlWriteOperations;
  readonly #approvals: ReturnType<typeof sqlApprovalOperations>;
  readonly #callLeases: ReturnType<typeof sqlCallLeaseOperations>;
  readonly #risk: ReturnType<typeof sqlRiskOperations>;
  readonly #retention: ReturnType<typeof sqlAuditRetentionOperations>;
  readonly #freezes: ReturnType<typeof sqlFreezeOperations>;
  readonly #blocks: ReturnType<typeof sqlBlockOperations>;
  readonly #maxWriteRows: number;
  readonly #callViewSql: string;
  readonly #callView: (id: string) => Promise<CallView | null>;

  constructor(db: SqlDatabase, opts: SqlStoreOptions = {}) {
    this.#db = db;
    this.#dialect = opts.dialect ?? SQLITE;
    this.#maxWriteRows = Math.max(1, opts.maxWriteRows ?? 2000);
    this.#callViewSql = callViewSql(this.#dialect);
    this.#callView = opts.coalesceCallViews ? this.#coalescedCallViews() : (id) => this.#oneCallView(id);
    const cx = { db, dialect: this.#dialect, maxParamBytes: opts.maxParamBytes ?? DEFAULT_MAX_PARAM_BYTES, serialWrites: opts.serialWrites ?? false, ...(opts.digest ? { digest: opts.digest } : {}) };
    this.#write = sqlWriteOperations(cx);
    this.#approvals = sqlApprovalOperations(cx);
    this.#callLeases = sqlCallLeaseOperations(cx);
    this.#risk = sqlRiskOperations(cx);
    this.#retention = sqlAuditRetentionOperations(cx);
    this.#freezes = sqlFreezeOperations(cx);
    this.#blocks = sqlBlockOperations(cx);
  }

  async createGrant(grant: Grant, event: AuditDraft): Promise<void> {
    await this.#write.createGrant(grant, event);
  }

  async transition(id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch, event: AuditDraft): Promise<Grant | null> {
    return this.#write.transition(id, from, to, patch, event);
  }

  async getGrant(id: string): Promise<Grant | null> {
    const r = await this.#db.prepare(`SELECT ${COLUMNS} FROM grants WHERE id = ?`).bind(id).first<GrantRow>();
    return r ? rowToGrant(r) : null;
  }

  callView(id: string): Promise<CallView | null> {
    return this.#callView(id);
  }

  async #oneCallView(id: string): Promise<CallView | null> {
    const row = await this.#db.prepare(this.#callViewSql).bind(id).first<Parameters<typeof rowToCallView>[0]>();
    return row ? rowToCallView(row) : null;
  }

  #coalescedCallViews(): (id: string) => Promise<CallView | null> {
    const manySql = callViewSql(this.#dialect, true);
    return coalescedReads(
      async (ids) => {
        if (ids.length === 1) {
          const v = await this.#oneCallView(ids[0]!);
          return new Map(v ? [[ids[0]!, v]] : []);
        }
        const { results } = await this.#db.prepare(manySql).bind(JSON.stringify(ids)).all<Parameters<typeof rowToCallView>[0]>();
        return new Map(results.map((r) => [r.id, rowToCallView(r)]));
      },
      { maxInFlight: CALL_VIEWS_IN_FLIGHT, maxKeys: CALL_VIEWS_PER_READ },
    );
  }

  async getGrantByFingerprint(fingerprint: string): Promise<Grant | null> {
    const r = await this.#db.prepare(`SELECT ${COLUMNS} FROM grants WHERE credential_fingerprint = ?`).bind(fingerprint).first<GrantRow>();
    return r ? rowToGrant(r) : null;
  }

  async listGrants(filter: GrantListFilter, limit: number, cursor: string | null): Promise<GrantPage> {
    const n = clampLimit(limit, MAX_LIST_PAGE);
    if (n === 0) return { grants: [], next_cursor: null };
    // One extra row tells whether another page exists without a second query.
    const q = listQuery(filter, cursor === null ? null : decodeCursor(cursor), n + 1, this.#dialect);
    const { results } = await this.#db.prepare(q.sql).bind(...q.params).all<GrantRow>();
    const grants = results.slice(0, n).map(rowToGrant);
    const last = grants.at(-1);
    return { grants, next_cursor: results.length > n && last ? encodeCursor(last) : null };
  }

  async orphanedGrants(limit: number): Promise<string[]> {
    const { results } = await this.#db.prepare(orphanedGrantsSql(this.#dialect)).bind(Math.max(0, Math.min(10_000, Math.floor(limit)))).all<{ id: string }>();
    return results.map((r) => r.id);
  }

  async countLive(filter: RevocationFilter): Promise<number> {
    const q = countLiveQuery(filter, this.#dialect);
    return (await this.#db.prepare(q.sql).bind(...q.params).first<number>('n')) ?? 0;
  }

  async appendAudit(event: AuditDraft): Promise<AuditEvent> {
    return this.#write.appendAudit(event);
  }

  async appendAudits(events: readonly AuditDraft[]): Promise<AuditEvent[]> {
    return this.#write.appendAudits(events);
  }

  async beginCallLease(lease: CallLease, event: AuditDraft): Promise<boolean> {
    return this.#callLeases.beginCallLease(lease, event);
  }

  async completeCallLease(id: string, issued: IssuedCallLease, event: AuditDraft): Promise<boolean> {
    return this.#callLeases.completeCallLease(id, issued, event);
  }

  async closeTask(taskId: string, agent: string | null, time: number, event: AuditDraft): Promise<void> {
    await this.#write.closeTask(taskId, agent, time, event);
  }

  async requestApproval(approval: Approval, grant: Grant | null, event: AuditDraft): Promise<void> {
    await this.#approvals.requestApproval(approval, grant, event);
  }

  async getApproval(id: string): Promise<Approval | null> {
    return this.#approvals.getApproval(id);
  }

  async listApprovals(filter: ApprovalListFilter, limit: number, cursor: string | null): Promise<ApprovalPage> {
    return this.#approvals.listApprovals(filter, limit, cursor);
  }

  async updateApproval(id: string, version: number, patch: ApprovalPatch, event: AuditDraft, grant: GrantStep | null): Promise<{ approval: Approval; grant: Grant | null } | null> {
    return this.#approvals.updateApproval(id, version, patch, event, grant);
  }

  async riskLevels(agent: string, principal: string | null): Promise<RecordedRisk> {
    return this.#risk.riskLevels(agent, principal);
  }

  async changeRisk(change: RiskChange, event: AuditDraft): Promise<{ previous: RiskLevel | null; level: RiskLevel }> {
    return this.#risk.changeRisk(change, event);
  }

  async liveGrantsOf(subject: RiskSubject, limit: number, cursor: string | null): Promise<GrantPage> {
    const n = clampLimit(limit, MAX_LIST_PAGE);
    if (n === 0) return { grants: [], next_cursor: null };
    const after = cursor === null ? 0 : decodeRowidCursor(cursor);
    // The live-only partial indexes hold (key, row key): paging on it walks one range and never sorts.
    const [column, index] = subject.kind === 'agent' ? ['agent', 'grants_live_agent'] : ['principal', 'grants_live_principal'];
    const d = this.#dialect;
    const { results } = await this.#db
      .prepare(`SELECT ${d.rowKey} AS rowid_, ${COLUMNS} FROM grants${d.indexedBy(index)} WHERE ${column} = ? AND ${LIVE_SQL} AND ${d.rowKey} > ? ORDER BY ${d.rowKey} LIMIT ?`)
      .bind(subject.id, after, n + 1)
      .all<GrantRow & { rowid_: number }>();
    const page = results.slice(0, n);
    const last = page.at(-1);
    return { grants: page.map(rowToGrant), next_cursor: results.length > n && last ? encodeRowidCursor(last.rowid_) : null };
  }

  async signalSeen(issuer: string, jti: string, now: number): Promise<boolean> {
    return this.#risk.signalSeen(issuer, jti, now);
  }

  async recordSignal(issuer: string, jti: string, keepUntil: number, event: AuditDraft): Promise<boolean> {
    return this.#risk.recordSignal(issuer, jti, keepUntil, event);
  }
  async rememberEmail(principal: string, email: string, time: number): Promise<void> {
    await this.#risk.rememberEmail(principal, email, time);
  }

  async principalsByEmail(email: string, limit: number): Promise<string[]> {
    return this.#risk.principalsByEmail(email, limit);
  }

  async createRevocation(record: RevocationRecord, event: AuditDraft): Promise<RevocationRecord> {
    return this.#write.createRevocation(record, event);
  }

  async revokeBatch(filter: RevocationFilter, ctx: RevokeContext, limit: number): Promise<Grant[]> {
    liveWhere(filter, this.#dialect); // a filter that names nothing throws, whatever the limit
    return this.#grantsInRounds(limit, (n) => this.#write.revokeBatch(filter, ctx, n));
  }

  async finishRevocation(id: string, event: AuditDraft): Promise<void> {
    await this.#write.finishRevocation(id, event);
  }

  async getRevocation(id: string): Promise<RevocationRecord | null> {
    const r = await this.#db.prepare(`SELECT ${REVOCATION_COLUMNS} FROM revocations WHERE id = ?`).bind(id).first<RevocationRow>();
    return r ? toRecord(r) : null;
  }

  async revocationTally(id: string): Promise<RevocationTally[]> {
    // As on SQLite: open jobs are few, so they are walked first and joined to their grants.
    const { results } = await this.#db
      .prepare(
        `SELECT t.provider, t.resource, t.token_type, t.with_lease, t.grants, t.latest_expiry,
                (SELECT count(*) FROM revocation_jobs j ${this.#dialect.drivingJoin} grants g ON g.id = j.grant_id
                 WHERE g.revoked_by = t.revocation_id AND g.provider = t.provider AND g.resource = t.resource
                   AND g.token_type = t.token_type AND (CASE WHEN g.lease IS NULL THEN 0 ELSE 1 END) = t.with_lease) AS pending
         FROM revocation_tallies t WHERE t.revocation_id = ?`,
      )
      .bind(id)
      .all<Omit<RevocationTally, 'with_lease'> & { with_lease: number }>();
    return results.map((r) => ({ ...r, with_lease: r.with_lease === 1 }));
  }

  async unfinishedRevocations(): Promise<RevocationRecord[]> {
    const { results } = await this.#db.prepare(`SELECT ${REVOCATION_COLUMNS} FROM revocations WHERE finished_at IS NULL ORDER BY created_at, id`).all<RevocationRow>();
    return results.map(toRecord);
  }

  async listRevocations(limit: number): Promise<RevocationRecord[]> {
    return this.#blocks.listRevocations(limit);
  }

  async listBlocks(limit: number): Promise<Block[]> {
    return this.#blocks.listBlocks(limit);
  }

  async liftBlocks(kind: Block['kind'], subject: string, event: AuditDraft): Promise<number> {
    return this.#blocks.liftBlocks(kind, subject, event);
  }

  async isBlocked(agent: string, principal: string | null): Promise<boolean> {
    // A null principal binds as NULL, and `subject = NULL` matches nothing: one statement serves both cases.
    const hit = await this.#db
      .prepare(`SELECT 1 AS hit FROM blocks WHERE (kind = 'agent' AND subject = ?) OR (kind = 'principal' AND subject = ?) LIMIT 1`)
      .bind(agent, principal)
      .first();
    return hit !== null;
  }

  async expireDue(now: number, limit: number): Promise<number> {
    return inRounds(clampLimit(limit, Number.MAX_SAFE_INTEGER), this.#maxWriteRows, (n) => this.#write.expireDue(now, n));
  }

  /** A write over up to `limit` grants, in rounds of at most maxWriteRows, with the grants every round changed. */
  async #grantsInRounds(limit: number, round: (n: number) => Promise<Grant[]>): Promise<Grant[]> {
    const out: Grant[] = [];
    await inRounds(clampLimit(limit, Number.MAX_SAFE_INTEGER), this.#maxWriteRows, async (n) => {
      const batch = await round(n);
      out.push(...batch);
      return batch.length;
    });
    return out;
  }

  async failStaleIssuing(before: number, now: number, limit: number): Promise<Grant[]> {
    return this.#grantsInRounds(limit, (n) => this.#write.failStaleIssuing(before, now, n));
  }

  async dueJobs(now: number, limit: number): Promise<RevocationJob[]> {
    const n = clampLimit(limit, Number.MAX_SAFE_INTEGER);
    if (n === 0) return [];
    const { results } = await this.#db
      .prepare(`SELECT ${JOB_COLUMNS} FROM revocation_jobs WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`)
      .bind(now, n)
      .all<RevocationJob>();
    return results;
  }

  async claimJobs(now: number, limit: number, leaseMs: number): Promise<RevocationJob[]> {
    const n = clampLimit(limit, MAX_CLAIM);
    if (n === 0) return [];
    const { results } = await this.#db.prepare(claimJobsSql(this.#dialect)).bind(now + Math.max(0, leaseMs), now, n).all<RevocationJob>();
    return oldestFirst(results);
  }

  async jobsForGrants(grantIds: readonly string[]): Promise<RevocationJob[]> {
    const { results } = await this.#db
      .prepare(`SELECT ${JOB_COLUMNS} FROM revocation_jobs WHERE grant_id IN (${this.#dialect.idList}) ORDER BY id`)
      .bind(JSON.stringify(grantIds))
      .all<RevocationJob>();
    return results;
  }

  async completeJob(id: number, event: AuditDraft): Promise<void> {
    await this.#write.completeJob(id, event);
  }

  async rescheduleJob(id: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.#write.rescheduleJob(id, nextAttemptAt, error);
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditEvent[]> {
    const n = clampLimit(limit, MAX_AUDIT_PAGE);
    if (n === 0) return [];
    const { results } = await this.#db
      .prepare(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`)
      .bind(afterSeq, n)
      .all<AuditRow>();
    return results.map(rowToEvent);
  }

  async pruneAudit(checkpoint: AuditCheckpoint, event: AuditDraft): Promise<boolean> {
    return this.#retention.pruneAudit(checkpoint, event);
  }

  async auditCheckpoints(): Promise<AuditCheckpoint[]> {
    return this.#retention.auditCheckpoints();
  }

  async auditHead(): Promise<{ seq: number; hash: string } | null> {
    return toHead(await this.#db.prepare(HEAD_SQL).first<AuditHead>());
  }

  async freeze(freeze: Freeze, event: AuditDraft): Promise<void> {
    await this.#freezes.freeze(freeze, event);
  }

  async liftFreeze(id: string, by: string, time: number, event: AuditDraft): Promise<boolean> {
    return this.#freezes.liftFreeze(id, by, time, event);
  }

  async activeFreezes(): Promise<Freeze[]> {
    return this.#freezes.activeFreezes();
  }

  async ping(): Promise<void> {
    await this.#db.prepare('SELECT 1').first();
  }

  async probeWrite(time: number): Promise<void> {
    await this.#db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').bind(time).run();
  }

  readonly #alone = inProcessExclusion();

  async runAlone<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.#alone(name, fn);
  }

  /** The binding belongs to the runtime: nothing to release. */
  async close(): Promise<void> {}
}

/** The live-grant cursor (base64url of the decimal row key, as on SQLite), with Web APIs. */
function encodeRowidCursor(rowid: number): string {
  return btoa(String(rowid)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeRowidCursor(s: string): number {
  let n = Number.NaN;
  try {
    if (/^[A-Za-z0-9_-]+$/.test(s)) n = Number(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    // falls through to the error below
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new StoreRefused('malformed live-grant cursor');
  return n;
}

/** Run `round` on at most `size` rows at a time until `limit` rows are done or a round comes back short. */
async function inRounds(limit: number, size: number, round: (n: number) => Promise<number>): Promise<number> {
  let done = 0;
  while (done < limit) {
    const want = Math.min(limit - done, size);
    const got = await round(want);
    done += got;
    if (got < want) break;
  }
  return done;
}
