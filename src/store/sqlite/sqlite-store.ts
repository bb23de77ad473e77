import Sqlite from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { Approval } from '../../approvals/approval.ts';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import type { Grant, GrantStatus } from '../../model/grant.ts';
import type {
  ApprovalListFilter,
  CallView,
  ApprovalPage,
  ApprovalPatch,
  GrantListFilter,
  Block,
  GrantStep,
  GrantPage,
  GrantPatch,
  CallLease,
  IssuedCallLease,
  RevocationFilter,
  RevocationJob,
  RevocationRecord,
  RevocationTally,
  RevokeContext,
  RecordedRisk,
  RiskChange,
  RiskSubject,
  Store,
} from '../store.ts';
import { claimJobsSql, oldestFirst } from '../claim-jobs.ts';
import { SQLITE } from '../dialect.ts';
import type { Freeze } from '../../grants/freeze.ts';
import { ACTIVE_FREEZES_SQL, rowToFreeze, type FreezeRow } from '../freeze-rows.ts';
import { SqliteApprovals } from './approval-table.ts';
import type { RiskLevel } from '../../policy/types.ts';
import { SqliteAuditLog } from './audit-log.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { SqliteCallLeases } from './call-lease-table.ts';
import { SqliteGrants } from './grant-table.ts';
import { SqliteJobQueue } from './job-queue.ts';
import { clampLimit } from './limits.ts';
import { assertCurrent, migrate } from './migrate.ts';
import { ReadCache, clearingAfter } from './read-cache.ts';
import { SqliteRevocations } from './revocation-table.ts';
import { SqliteRiskTables } from './risk-tables.ts';
import { writeOperations } from './write-operations.ts';
import type { WriteOperations } from './write-operations.ts';
import { inProcessExclusion } from '../run-alone.ts';

const PROBE_SQL = 'INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at';

export interface SqliteStoreOptions {
  readonly?: boolean;
}

/** Open the SQLite database at `path`, creating and migrating it unless opened read-only. */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const readonly = opts.readonly ?? false;
  const db = new Sqlite(path, { readonly, fileMustExist: readonly });
  try {
    db.pragma('busy_timeout = 5000');
    // WAL is a property of the file, set by a writer; a read-only connection just follows it.
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The WAL is cut back to this size whenever a checkpoint resets it, instead of keeping its high-water mark for ever.
    if (!readonly) db.pragma('journal_size_limit = 4194304');
    db.pragma('foreign_keys = ON');
    if (readonly) assertCurrent(db);
    else migrate(db);
    return new SqliteStore(db, readonly ? null : startCheckpointer(db, path));
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * The Store on better-sqlite3. Writes are the transactions in write-operations.ts; reads are
 * single statements, each seeing one consistent WAL snapshot. The methods are async to honour
 * the interface, but the work inside runs synchronously.
 */
export class SqliteStore implements Store {
  readonly #db: Database;
  readonly #grants: SqliteGrants;
  readonly #audit: SqliteAuditLog;
  readonly #revocations: SqliteRevocations;
  readonly #jobs: SqliteJobQueue;
  readonly #approvals: SqliteApprovals;
  readonly #write: WriteOperations;
  readonly #risk: SqliteRiskTables;
  readonly #ping: Statement<[], unknown>;
  readonly #activeFreezes: Statement<[], FreezeRow>;
  readonly #claimJobs: Statement<[number, number, number], RevocationJob>;
  readonly #probe: Statement<[number]>;
  readonly #reads: ReadCache;
  readonly #checkpointer: Checkpointer | null;

  constructor(db: Database, checkpointer: Checkpointer | null = null) {
    this.#db = db;
    this.#checkpointer = checkpointer;
    this.#grants = new SqliteGrants(db);
    this.#audit = new SqliteAuditLog(db);
    this.#revocations = new SqliteRevocations(db);
    this.#jobs = new SqliteJobQueue(db);
    this.#approvals = new SqliteApprovals(db);
    this.#risk = new SqliteRiskTables(db);
    this.#reads = new ReadCache(db);
    this.#write = clearingAfter(
      writeOperations(db, { grants: this.#grants, audit: this.#audit, jobs: this.#jobs, revocations: this.#revocations, approvals: this.#approvals, risk: this.#risk, callLeases: new SqliteCallLeases(db) }),
      this.#reads,
      ['appendAudit', 'appendAudits'],
    );
    this.#ping = db.prepare<[], unknown>('SELECT 1');
    this.#activeFreezes = db.prepare<[], FreezeRow>(ACTIVE_FREEZES_SQL);
    this.#claimJobs = db.prepare<[number, number, number], RevocationJob>(claimJobsSql(SQLITE));
    this.#probe = db.prepare<[number]>(PROBE_SQL);
  }

  /**
   * The underlying connection, for tests and benchmarks; the app goes through the Store methods.
   * Its writes do not pass the read cache's invalidation: a caller that changes grants,
   * revocations, blocks or risk levels through it must do so before this store answers reads
   * (the cache is cleared when the connection is handed out) or through another connection.
   */
  get db(): Database {
    this.#reads.clear();
    return this.#db;
  }

  async createGrant(grant: Grant, event: AuditDraft): Promise<void> {
    this.#write.createGrant(grant, event);
  }

  async transition(id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch, event: AuditDraft): Promise<Grant | null> {
    return this.#write.transition(id, from, to, patch, event);
  }

  async getGrant(id: string): Promise<Grant | null> {
    return this.#reads.grant(id, (i) => this.#grants.get(i));
  }

  async callView(id: string): Promise<CallView | null> {
    return this.#reads.together(() => {
      const grant = this.#reads.grant(id, (i) => this.#grants.get(i));
      if (grant === null) return null;
      const { agent, principal } = grant;
      return {
        grant,
        unfinished: this.#reads.unfinishedRevocations(() => this.#revocations.unfinished()),
        blocked: this.#reads.isBlocked(agent, principal, () => this.#revocations.isBlocked(agent, principal)),
        freezes: this.#reads.activeFreezes(() => this.#activeFreezes.all().map(rowToFreeze)),
        risk: this.#reads.riskLevels(agent, principal, () => this.#risk.levels(agent, principal)),
      };
    });
  }

  async getGrantByFingerprint(fingerprint: string): Promise<Grant | null> {
    return this.#grants.byFingerprint(fingerprint);
  }

  async listGrants(filter: GrantListFilter, limit: number, cursor: string | null): Promise<GrantPage> {
    return this.#grants.list(filter, limit, cursor);
  }

  async orphanedGrants(limit: number): Promise<string[]> {
    return this.#grants.orphaned(clampLimit(limit, 10_000));
  }

  async countLive(filter: RevocationFilter): Promise<number> {
    return this.#grants.countLive(filter);
  }

  async appendAudit(event: AuditDraft): Promise<AuditEvent> {
    const [stored] = this.#write.appendAudit(event);
    if (!stored) throw new Error('appendAudit: nothing was appended');
    return stored;
  }

  async appendAudits(events: readonly AuditDraft[]): Promise<AuditEvent[]> {
    return this.#write.appendAudits(events);
  }

  async beginCallLease(lease: CallLease, event: AuditDraft): Promise<boolean> {
    return this.#write.beginCallLease(lease, event);
  }

  async completeCallLease(id: string, issued: IssuedCallLease, event: AuditDraft): Promise<boolean> {
    return this.#write.completeCallLease(id, issued, event);
  }

  async createRevocation(record: RevocationRecord, event: AuditDraft): Promise<RevocationRecord> {
    return this.#write.createRevocation(record, event);
  }

  async revokeBatch(filter: RevocationFilter, ctx: RevokeContext, limit: number): Promise<Grant[]> {
    return this.#write.revokeBatch(filter, ctx, clampLimit(limit, Number.MAX_SAFE_INTEGER));
  }

  async finishRevocation(id: string, event: AuditDraft): Promise<void> {
    this.#write.finishRevocation(id, event);
  }

  async getRevocation(id: string): Promise<RevocationRecord | null> {
    return this.#revocations.get(id);
  }

  async revocationTally(id: string): Promise<RevocationTally[]> {
    return this.#revocations.tally(id);
  }

  async jobsForGrants(grantIds: readonly string[]): Promise<RevocationJob[]> {
    return this.#jobs.forGrants(grantIds);
  }

  async unfinishedRevocations(): Promise<RevocationRecord[]> {
    return this.#reads.unfinishedRevocations(() => this.#revocations.unfinished());
  }

  async listRevocations(limit: number): Promise<RevocationRecord[]> {
    return this.#revocations.list(limit);
  }

  async listBlocks(limit: number): Promise<Block[]> {
    return this.#revocations.blocks(limit);
  }

  async liftBlocks(kind: Block['kind'], subject: string, event: AuditDraft): Promise<number> {
    return this.#write.liftBlocks(kind, subject, event);
  }

  async isBlocked(agent: string, principal: string | null): Promise<boolean> {
    return this.#reads.isBlocked(agent, principal, () => this.#revocations.isBlocked(agent, principal));
  }

  async closeTask(taskId: string, agent: string | null, time: number, event: AuditDraft): Promise<void> {
    this.#write.closeTask(taskId, agent, time, event);
  }

  async expireDue(now: number, limit: number): Promise<number> {
    return this.#write.expireDue(now, clampLimit(limit, Number.MAX_SAFE_INTEGER));
  }

  async failStaleIssuing(before: number, now: number, limit: number): Promise<Grant[]> {
    return this.#write.failStaleIssuing(before, now, clampLimit(limit, Number.MAX_SAFE_INTEGER));
  }

  async dueJobs(now: number, limit: number): Promise<RevocationJob[]> {
    return this.#jobs.due(now, clampLimit(limit, Number.MAX_SAFE_INTEGER));
  }

  async claimJobs(now: number, limit: number, leaseMs: number): Promise<RevocationJob[]> {
    const n = clampLimit(limit, 1000);
    return n === 0 ? [] : oldestFirst(this.#claimJobs.all(now + Math.max(0, leaseMs), now, n));
  }

  async completeJob(id: number, event: AuditDraft): Promise<void> {
    this.#write.completeJob(id, event);
  }

  async rescheduleJob(id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.#write.rescheduleJob(id, nextAttemptAt, error);
  }

  async requestApproval(approval: Approval, grant: Grant | null, event: AuditDraft): Promise<void> {
    this.#write.requestApproval(approval, grant, event);
  }

  async getApproval(id: string): Promise<Approval | null> {
    return this.#approvals.get(id);
  }

  async listApprovals(filter: ApprovalListFilter, limit: number, cursor: string | null): Promise<ApprovalPage> {
    return this.#approvals.list(filter, limit, cursor);
  }

  async updateApproval(id: string, version: number, patch: ApprovalPatch, event: AuditDraft, grant: GrantStep | null): Promise<{ approval: Approval; grant: Grant | null } | null> {
    return this.#write.updateApproval(id, version, patch, event, grant);
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditEvent[]> {
    return this.#audit.read(afterSeq, limit);
  }

  async pruneAudit(checkpoint: AuditCheckpoint, event: AuditDraft): Promise<boolean> {
    return this.#write.pruneAudit(checkpoint, event);
  }

  async auditCheckpoints(): Promise<AuditCheckpoint[]> {
    return this.#audit.checkpoints();
  }

  async auditHead(): Promise<{ seq: number; hash: string } | null> {
    return this.#audit.head();
  }

  async riskLevels(agent: string, principal: string | null): Promise<RecordedRisk> {
    return this.#reads.riskLevels(agent, principal, () => this.#risk.levels(agent, principal));
  }

  async changeRisk(change: RiskChange, event: AuditDraft): Promise<{ previous: RiskLevel | null; level: RiskLevel }> {
    return this.#write.changeRisk(change, event);
  }

  async liveGrantsOf(subject: RiskSubject, limit: number, cursor: string | null): Promise<GrantPage> {
    return this.#grants.liveOf(subject, limit, cursor);
  }

  async signalSeen(issuer: string, jti: string, now: number): Promise<boolean> {
    return this.#risk.seen(issuer, jti, now);
  }

  async recordSignal(issuer: string, jti: string, keepUntil: number, event: AuditDraft): Promise<boolean> {
    return this.#write.recordSignal(issuer, jti, keepUntil, event);
  }

  async rememberEmail(principal: string, email: string, time: number): Promise<void> {
    try {
      this.#risk.rememberEmail(principal, email, time);
    } finally {
      this.#reads.clear();
    }
  }

  async principalsByEmail(email: string, limit: number): Promise<string[]> {
    return this.#risk.principalsByEmail(email, clampLimit(limit, 1000));
  }

  async freeze(freeze: Freeze, event: AuditDraft): Promise<void> {
    this.#write.freeze(freeze, event);
  }

  async liftFreeze(id: string, by: string, time: number, event: AuditDraft): Promise<boolean> {
    return this.#write.liftFreeze(id, by, time, event);
  }

  async activeFreezes(): Promise<Freeze[]> {
    return this.#reads.activeFreezes(() => this.#activeFreezes.all().map(rowToFreeze));
  }

  async ping(): Promise<void> {
    this.#ping.get();
  }

  async probeWrite(time: number): Promise<void> {
    this.#probe.run(time);
  }

  readonly runAlone = inProcessExclusion();

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    this.#db.close();
  }
}
