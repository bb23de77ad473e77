import type { Approval, ApprovalStatus } from '../approvals/approval.ts';
import type { AuditDraft, AuditEvent } from '../audit/event.ts';
import type { AuditCheckpoint } from '../audit/checkpoint.ts';
import type { ActionClass } from '../model/action-class.ts';
import type { Freeze } from '../grants/freeze.ts';
import type { Grant, GrantStatus } from '../model/grant.ts';
import type { RiskLevel } from '../policy/types.ts';

/** Which grants a revocation touches. Every given field must match (AND); `all` matches every live grant. */
export interface RevocationFilter {
  agent?: string;
  principal?: string;
  owner?: string;
  provider?: string;
  resource?: string;
  task_id?: string;
  /** epoch ms: grants created strictly before this instant */
  issued_before?: number;
  grant_ids?: string[];
  all?: boolean;
}

export interface RevocationRecord {
  id: string;
  filter: RevocationFilter;
  reason: string;
  requested_by: string;
  block: boolean;
  created_at: number;
  finished_at: number | null;
  revoked_count: number;
}

export interface Block {
  kind: 'agent' | 'principal';
  subject: string;
  revocation_id: string;
  created_at: number;
}

export interface RevocationJob {
  id: number;
  grant_id: string;
  provider: string;
  lease: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** Grants one revocation revoked, grouped by what decides their receipt. */
export interface RevocationTally {
  provider: string;
  resource: string;
  token_type: string;
  with_lease: boolean;
  grants: number;
  /** of those, how many still have an upstream revocation job open */
  pending: number;
  latest_expiry: number;
}

export interface GrantListFilter extends Omit<RevocationFilter, 'all' | 'grant_ids'> {
  status?: GrantStatus;
  /** the grants one mass revocation revoked */
  revoked_by?: string;
}

export interface GrantPage {
  grants: Grant[];
  /** opaque; pass back as `cursor` for the next page, null at the end */
  next_cursor: string | null;
}

/** The part of a grant a status transition may change. */
export type GrantPatch = Partial<
  Pick<Grant, 'expires_at' | 'issued_at' | 'revoked_at' | 'status_reason' | 'lease' | 'credential_fingerprint' | 'credential_expires_at'>
>;

export interface ApprovalListFilter {
  status?: ApprovalStatus;
  agent?: string;
  task_id?: string;
}

export interface ApprovalPage {
  approvals: Approval[];
  next_cursor: string | null;
}

/** What an approval update may change. */
export type ApprovalPatch = Partial<Pick<Approval, 'status' | 'decisions' | 'decided_at' | 'used_at'>>;

/** A grant transition carried out in the same operation as an approval update. */
export interface GrantStep {
  from: readonly GrantStatus[];
  to: GrantStatus;
  patch: GrantPatch;
  event: AuditDraft;
}

/** Why a revoke batch revoked a grant, carried into its audit event. */
export interface RevokeContext {
  time: number;
  request_id: string | null;
  reason: string;
  revocation_id: string | null;
  by: string;
}

/** Whose risk a change is about: an agent id (SPIFFE ID or `iss#sub`) or a principal (`iss#sub`). */
export interface RiskSubject {
  kind: 'agent' | 'principal';
  id: string;
}

export interface RiskChange {
  subject: RiskSubject;
  level: RiskLevel;
  /** `raise`: a higher level already recorded stays (signals only ever raise); `set`: record exactly `level` (admins) */
  mode: 'raise' | 'set';
  reason: string;
  by: string;
  time: number;
  /**
   * Refuse the subject's identity tokens issued before this instant (epoch ms). Kept at the
   * later of this and what is recorded, whatever happens to the level.
   */
  tokens_not_before?: number;
}

/** Risk recorded for an agent and a principal; null where nothing is recorded. */
export interface RecordedRisk {
  agent: RiskLevel | null;
  principal: RiskLevel | null;
  /** epoch ms: identity tokens of the agent / the principal issued before it are refused */
  agent_not_before?: number | null;
  principal_not_before?: number | null;
}

/**
 * An upstream credential issued for a gateway call under a grant (POST /v1/credentials). A grant
 * can hold several over its life (one per action, and a new one before the last expires); every
 * one is recorded before the provider is called, so revoking the grant can revoke them all.
 */
export interface CallLease {
  id: string;
  grant_id: string;
  provider: string;
  action: ActionClass;
  created_at: number;
}

/** What the provider issued for a call lease. `expires_at` is the credential's real expiry. */
export interface IssuedCallLease {
  lease: string | null;
  fingerprint: string | null;
  expires_at: number;
}

/** Grants: creation, compare-and-set transitions, the inventory, and their lifecycle sweeps. */
/** Everything a gateway call checks about one grant, read at one moment (see GrantStore.callView). */
export interface CallView {
  grant: Grant;
  /** revocations recorded and not yet finished (they bind before their batches mark the rows) */
  unfinished: RevocationRecord[];
  /** the grant's agent or principal is blocked */
  blocked: boolean;
  /** freezes in force */
  freezes: Freeze[];
  /** the recorded risk of the grant's agent and principal */
  risk: RecordedRisk;
}

export interface GrantStore {
  /**
   * What a gateway call must know about grant `id`, read together: one round trip on a store over
   * the network, one freshness check of the SQLite read cache. Null when there is no such grant.
   * The same answers as getGrant, unfinishedRevocations, isBlocked(agent, principal),
   * activeFreezes and riskLevels(agent, principal) would give, from one snapshot.
   */
  callView(id: string): Promise<CallView | null>;

  /**
   * Insert a new grant (status `issuing`, `pending_approval` or `denied`) and its event.
   * Throws if the id exists. Throws GrantRefused, writing nothing, when a grant that could become
   * live (not `denied`) names a blocked agent or principal, or a task closed for its agent.
   */
  createGrant(grant: Grant, event: AuditDraft): Promise<void>;

  /**
   * Compare-and-set: move grant `id` to `to` only if its status is one of `from`, applying
   * `patch` and appending `event` (with its grant fields) in the same operation.
   * Under concurrent calls on the same grant exactly one caller wins; the others get null.
   * Returns the updated grant, or null if the grant does not exist or was not in `from`.
   */
  transition(id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch, event: AuditDraft): Promise<Grant | null>;

  getGrant(id: string): Promise<Grant | null>;

  /** The grant whose credential has this fingerprint (for RFC 7009 revocation of upstream tokens). */
  getGrantByFingerprint(fingerprint: string): Promise<Grant | null>;

  /** Newest first; `limit` is capped by the implementation. */
  listGrants(filter: GrantListFilter, limit: number, cursor: string | null): Promise<GrantPage>;

  /**
   * Live grants (pending_approval, issuing, active) of one agent or one principal (exactly one
   * of the two given), at most `limit` (capped) per page in a stable order; pass `next_cursor`
   * back for the next page. Grants created after the first page may or may not appear.
   */
  liveGrantsOf(subject: RiskSubject, limit: number, cursor: string | null): Promise<GrantPage>;

  /**
   * Ids of live grants whose parent grant (the one they were narrowed from) is no longer live,
   * at most `limit`. They are dead on every path already (a grant is honoured only while its
   * ancestors are); revoking them is what sends their own upstream credentials' revocations.
   */
  orphanedGrants(limit: number): Promise<string[]>;

  /** Number of live grants (pending_approval, issuing, active) the filter matches. */
  countLive(filter: RevocationFilter): Promise<number>;

  /**
   * Move up to `limit` grants in `active` or `pending_approval` whose `expires_at` <= now to
   * `expired`, each with a `grant.expired` event, and a revocation job for each whose upstream
   * credential (with a lease) would outlive it, and for each of its call leases that would (or
   * whose expiry is unknown). Returns how many.
   */
  expireDue(now: number, limit: number): Promise<number>;

  /**
   * Crash reconciliation: grants still `issuing` that were created before `before` become
   * `failed` with a `grant.failed` event and a revocation job (lease possibly unknown), atomically.
   */
  failStaleIssuing(before: number, now: number, limit: number): Promise<Grant[]>;
}

/** Revocations, the blocks they impose, and closed tasks. */
export interface RevocationStore {
  /**
   * Record a revocation request before anything is revoked: the record, its blocks (when
   * `record.block`, one per agent/principal named in the filter) and a `revocation.started` event.
   * A cutoff (`filter.issued_before`) at or after `record.created_at` is raised above every
   * matching live grant already recorded (see revocation-cutoff.ts). Returns the record as
   * recorded: run its batches with that filter.
   */
  createRevocation(record: RevocationRecord, event: AuditDraft): Promise<RevocationRecord>;

  /**
   * Revoke up to `limit` live grants matching `filter`, in one atomic operation: each becomes
   * `revoked` with `revoked_at` and `status_reason`, gets a `grant.revoked` event built from the
   * grant and `ctx`, and — when it holds an upstream lease or was caught mid-issue — a revocation
   * job, plus one per call lease not yet known to have expired (see beginCallLease); when `ctx.revocation_id` is set (it must name a recorded revocation), that revocation's
   * `revoked_count` and tally grow by the grants revoked. Returns the grants revoked (fewer than `limit` means the filter is exhausted).
   * A grant already revoked is not touched again, so repeating a call is harmless.
   */
  revokeBatch(filter: RevocationFilter, ctx: RevokeContext, limit: number): Promise<Grant[]>;

  /**
   * Mark a revocation finished (its count is what its batches added up) and append `event`.
   * If it is already finished, nothing happens; if it does not exist, throws.
   */
  finishRevocation(id: string, event: AuditDraft): Promise<void>;

  getRevocation(id: string): Promise<RevocationRecord | null>;

  /** The grants revocation `id` has revoked so far, grouped for its receipts. */
  revocationTally(id: string): Promise<RevocationTally[]>;

  /**
   * Revocations recorded but not finished. Their filters already bind every path (a grant they
   * match is dead even before its row is marked), and they are resumed after a crash. Cheap when
   * there are none: the hot path asks on every check.
   */
  unfinishedRevocations(): Promise<RevocationRecord[]>;

  isBlocked(agent: string, principal: string | null): Promise<boolean>;

  /** Mass revocations, newest first, at most `limit` (capped at 500). */
  listRevocations(limit: number): Promise<RevocationRecord[]>;

  /** Blocks in force, newest first, at most `limit` (capped at 500). */
  listBlocks(limit: number): Promise<Block[]>;

  /**
   * Lift every block on this agent or principal (whichever revocations imposed them) and append
   * `event`, in one atomic operation; from then on new grants for it are possible again. Returns
   * how many blocks were lifted: 0 when there were none, and then nothing is written.
   */
  liftBlocks(kind: Block['kind'], subject: string, event: AuditDraft): Promise<number>;

  /**
   * Close a task so that no grant is created for it again: for `agent` only, or for every agent
   * when `agent` is null. Appends `event`. Closing a closed task changes nothing and writes no event.
   */
  closeTask(taskId: string, agent: string | null, time: number, event: AuditDraft): Promise<void>;
}

/** Upstream revocations still owed (revocation jobs). */
export interface JobStore {
  /** Jobs due at `now`, oldest first. */
  dueJobs(now: number, limit: number): Promise<RevocationJob[]>;

  /**
   * Take up to `limit` jobs due at `now`, oldest first, for this worker alone: each is moved to
   * `next_attempt_at = now + leaseMs` in the same statement, so no other worker (another node)
   * takes it while this one works on it. A worker that dies holding a claim loses it when the
   * lease passes, and the job is due again. Completing or rescheduling ends the claim.
   */
  claimJobs(now: number, limit: number, leaseMs: number): Promise<RevocationJob[]>;

  /** Open jobs of these grants, due or not (to try them at once, or to tell a revocation's receipt). */
  jobsForGrants(grantIds: readonly string[]): Promise<RevocationJob[]>;

  /** The upstream revoke succeeded: delete the job and append `event`. */
  completeJob(id: number, event: AuditDraft): Promise<void>;

  /** The upstream revoke failed: keep the job, try again at `nextAttemptAt`. */
  rescheduleJob(id: number, nextAttemptAt: number, error: string): Promise<void>;
}

/** Upstream credentials issued per gateway call under a grant. */
export interface CallLeaseStore {
  /**
   * Record, then issue, for a gateway call: insert `lease` (its upstream handle not known yet)
   * with `event` (grant fields filled from the grant), only if grant `lease.grant_id` is
   * `active` and unexpired at `lease.created_at`; otherwise write nothing and return false.
   * From then on, revoking or expiring the grant queues an upstream revocation job for the lease
   * (with a null handle while it is unknown: the provider revokes what it can find).
   */
  beginCallLease(lease: CallLease, event: AuditDraft): Promise<boolean>;

  /**
   * Record what the provider issued for call lease `id`. If its grant is still `active`, append `event` (grant fields filled) and return true. Otherwise the
   * grant was revoked or expired meanwhile: queue a revocation job for this lease at once, append
   * a `credential.withdrawn` event, and return false; the caller must not hand the credential out.
   * Throws if the lease does not exist or was already completed.
   */
  completeCallLease(id: string, issued: IssuedCallLease, event: AuditDraft): Promise<boolean>;
}

/** Requests for a human decision. */
export interface ApprovalStore {
  /**
   * Record a request for a human decision with its event. With `grant` (status `pending_approval`),
   * insert that grant too: the waiting grant and its approval exist together or not at all.
   * Otherwise `approval.grant_id` must name an existing grant. Throws if either id exists, and
   * GrantRefused as createGrant does.
   */
  requestApproval(approval: Approval, grant: Grant | null, event: AuditDraft): Promise<void>;

  getApproval(id: string): Promise<Approval | null>;

  /** Newest first; `limit` is capped by the implementation. */
  listApprovals(filter: ApprovalListFilter, limit: number, cursor: string | null): Promise<ApprovalPage>;

  /**
   * Compare-and-set on `version`: apply `patch` to approval `id` only if its version is still
   * `version` (then it becomes version + 1), append `event`, and — when `grant` is given — move
   * the approval's grant as `transition` would, with its event. If the approval moved on, or the
   * grant is not in `grant.from`, nothing at all is written and the result is null. Under
   * concurrent calls with the same version exactly one wins.
   */
  updateApproval(id: string, version: number, patch: ApprovalPatch, event: AuditDraft, grant: GrantStep | null): Promise<{ approval: Approval; grant: Grant | null } | null>;
}

/** Risk levels, received Security Event Tokens and the email index signals resolve subjects by. */
export interface RiskStore {
  /**
   * The risk levels recorded for `agent` and for `principal` (null: not asked, or none recorded).
   * One read by primary key: every policy decision asks, on the exchange and gateway hot paths.
   */
  riskLevels(agent: string, principal: string | null): Promise<RecordedRisk>;

  /**
   * Record a risk change and append `event` in one atomic operation. With `raise`, a higher level
   * already recorded is kept. The event is appended whatever the outcome, with
   * `detail.previous_level` (null when none was recorded) and `detail.level` (the level now
   * recorded) added to its detail, and `agent` or `principal` set to the subject.
   * Returns the previous and the now-recorded level.
   */
  changeRisk(change: RiskChange, event: AuditDraft): Promise<{ previous: RiskLevel | null; level: RiskLevel }>;

  /** Whether the SET (issuer, jti) is recorded and still remembered (`keep_until` > now). */
  signalSeen(issuer: string, jti: string, now: number): Promise<boolean>;

  /**
   * Insert-if-absent of the SET (issuer, jti), remembered until `keepUntil`, with `event`, in one
   * atomic operation; entries whose `keep_until` has passed (up to a bounded number) are
   * forgotten in the same operation. Under concurrent calls with the same (issuer, jti) exactly
   * one returns true; the others return false and append nothing.
   */
  recordSignal(issuer: string, jti: string, keepUntil: number, event: AuditDraft): Promise<boolean>;

  /**
   * Remember that `principal` presented a token with this (verified, lower-cased) email, so an
   * email subject of a signal finds it. An index derived from verified tokens whose use is
   * audited elsewhere, so it has no event of its own. Idempotent; `time` updates `seen_at`.
   */
  rememberEmail(principal: string, email: string, time: number): Promise<void>;

  /** Principals seen with this (lower-cased) email, most recently seen first, at most `limit`. */
  principalsByEmail(email: string, limit: number): Promise<string[]>;
}

/** Emergency stops (see grants/freeze.ts). */
export interface FreezeStore {
  /** Record an active freeze and its event. Throws if the id exists. */
  freeze(freeze: Freeze, event: AuditDraft): Promise<void>;

  /**
   * Lift an active freeze: set `lifted_at`/`lifted_by` and append `event`, only if it is still
   * active. False (and nothing written) when it does not exist or was lifted already.
   */
  liftFreeze(id: string, by: string, time: number, event: AuditDraft): Promise<boolean>;

  /** Freezes not lifted, oldest first. Cheap: every issuance path asks. */
  activeFreezes(): Promise<Freeze[]>;
}

/** The hash-chained audit log. */
export interface AuditStore {
  /** Append an event that describes no grant state change (a denial, a rejected request). */
  appendAudit(event: AuditDraft): Promise<AuditEvent>;

  /**
   * Append several such events, in order, in one atomic operation: all are chained or none is
   * (group commit of the per-call events of POST /v1/credentials).
   */
  appendAudits(events: readonly AuditDraft[]): Promise<AuditEvent[]>;

  /** Events with seq > afterSeq in order, at most `limit`. */
  readAudit(afterSeq: number, limit: number): Promise<AuditEvent[]>;

  /** The last event's seq and hash as recorded beside the chain; null for an empty log. */
  auditHead(): Promise<{ seq: number; hash: string } | null>;

  /**
   * Retention: record `checkpoint` and delete the events it covers, with `event` (audit.pruned)
   * appended, all at once. Refused (false, nothing changes) unless the checkpoint continues the
   * newest one recorded (or starts at seq 1 from the genesis hash) and matches the stored events:
   * all `count` of them present, the first linking to `prev_hash`, the last hashing to
   * `head_hash`. The signature is the caller's to check; the schema lets no other delete through.
   */
  pruneAudit(checkpoint: AuditCheckpoint, event: AuditDraft): Promise<boolean>;

  /** The checkpoints of pruned segments, oldest first: the newest is where the live chain continues. */
  auditCheckpoints(): Promise<AuditCheckpoint[]>;
}

/**
 * The store is a set of atomic operations. Each one either happens whole — the state change
 * together with the audit events that describe it, chained onto the audit log — or not at all,
 * and then it throws. There is no `transaction(callback)`: D1 only has atomic batches, so every
 * read-then-write lives inside one operation with its contract written here.
 */
export interface Store extends GrantStore, RevocationStore, JobStore, CallLeaseStore, ApprovalStore, RiskStore, FreezeStore, AuditStore {
  /** Cheap liveness check of the backing database. */
  ping(): Promise<void>;

  /**
   * Readiness: one small durable write (a single row overwritten at `time`), so a database that
   * answers reads but refuses writes — a full disk, a read-only volume — is told apart. Throws when
   * the write fails.
   */
  probeWrite(time: number): Promise<void>;

  /**
   * Runs `fn` unless work `name` is already running against this database (then resolves
   * `undefined` at once, `fn` not run): periodic work that must not overlap across nodes, such as
   * audit retention. On PostgreSQL a session advisory lock held while `fn` runs (released if the
   * node dies or loses its connection); on a store of its own, within this process.
   */
  runAlone<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;

  close(): Promise<void>;
}
