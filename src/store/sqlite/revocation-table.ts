import type { Database, Statement } from 'better-sqlite3';
import type { Grant } from '../../model/grant.ts';
import type { Block, RevocationRecord, RevocationTally } from '../store.ts';
import { REVOCATION_COLUMNS, toRecord, type RevocationRow } from './revocation-rows.ts';
import { DELETE_BLOCKS_SQL, LIST_BLOCKS_SQL, LIST_REVOCATIONS_SQL, MAX_OPERATOR_LIST } from '../block-rows.ts';

type TallyRow = Omit<RevocationTally, 'with_lease'> & { with_lease: number };


const COLUMNS = REVOCATION_COLUMNS;

/** `revocations` and the `blocks` they impose. */
export class SqliteRevocations {
  readonly #insert: Statement<[RevocationRow]>;
  readonly #insertBlock: Statement<[Block]>;
  readonly #get: Statement<[string], RevocationRow>;
  readonly #unfinished: Statement<[], RevocationRow>;
  readonly #finish: Statement<[number, number, string]>;
  readonly #progress: Statement<[number, string]>;
  readonly #addTally: Statement<[string, string, string, string, number, number, number]>;
  readonly #tally: Statement<[string], TallyRow>;
  readonly #blocked: Statement<[string, string | null], unknown>;
  readonly #closeTask: Statement<[string, string, number]>;
  readonly #taskClosed: Statement<[string, string], unknown>;
  readonly #list: Statement<[number], RevocationRow>;
  readonly #listBlocks: Statement<[number], Block>;
  readonly #deleteBlocks: Statement<[string, string]>;

  constructor(db: Database) {
    this.#insert = db.prepare<[RevocationRow]>(
      `INSERT INTO revocations (${COLUMNS}) VALUES (@id, @filter, @reason, @requested_by, @block, @created_at, @finished_at, @revoked_count)`,
    );
    this.#insertBlock = db.prepare<[Block]>(
      'INSERT INTO blocks (kind, subject, revocation_id, created_at) VALUES (@kind, @subject, @revocation_id, @created_at)',
    );
    this.#get = db.prepare<[string], RevocationRow>(`SELECT ${COLUMNS} FROM revocations WHERE id = ?`);
    this.#unfinished = db.prepare<[], RevocationRow>(`SELECT ${COLUMNS} FROM revocations WHERE finished_at IS NULL ORDER BY created_at, id`);
    this.#finish = db.prepare<[number, number, string]>('UPDATE revocations SET finished_at = ?, revoked_count = ? WHERE id = ? AND finished_at IS NULL');
    this.#progress = db.prepare<[number, string]>('UPDATE revocations SET revoked_count = revoked_count + ? WHERE id = ?');
    this.#addTally = db.prepare(
      `INSERT INTO revocation_tallies (revocation_id, provider, resource, token_type, with_lease, grants, latest_expiry)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (revocation_id, provider, resource, token_type, with_lease)
       DO UPDATE SET grants = grants + excluded.grants, latest_expiry = max(latest_expiry, excluded.latest_expiry)`,
    );
    // Open jobs are few (only upstream revocations still owed), so counting them per group is
    // cheap, provided the jobs are walked first: CROSS JOIN keeps SQLite from scanning grants.
    this.#tally = db.prepare<[string], TallyRow>(
      `SELECT t.provider, t.resource, t.token_type, t.with_lease, t.grants, t.latest_expiry,
              (SELECT count(*) FROM revocation_jobs j CROSS JOIN grants g ON g.id = j.grant_id
               WHERE g.revoked_by = t.revocation_id AND g.provider = t.provider AND g.resource = t.resource
                 AND g.token_type = t.token_type AND (g.lease IS NOT NULL) = t.with_lease) AS pending
       FROM revocation_tallies t WHERE t.revocation_id = ?`,
    );
    // A null principal binds as NULL, and `subject = NULL` matches nothing: one statement serves both cases.
    this.#blocked = db.prepare<[string, string | null]>(
      `SELECT 1 FROM blocks WHERE (kind = 'agent' AND subject = ?) OR (kind = 'principal' AND subject = ?) LIMIT 1`,
    );
    this.#closeTask = db.prepare<[string, string, number]>('INSERT OR IGNORE INTO closed_tasks (task_id, agent, closed_at) VALUES (?, ?, ?)');
    this.#taskClosed = db.prepare<[string, string]>(`SELECT 1 FROM closed_tasks WHERE task_id = ? AND agent IN ('', ?) LIMIT 1`);
    this.#list = db.prepare<[number], RevocationRow>(LIST_REVOCATIONS_SQL);
    this.#listBlocks = db.prepare<[number], Block>(LIST_BLOCKS_SQL);
    this.#deleteBlocks = db.prepare<[string, string]>(DELETE_BLOCKS_SQL);
  }

  /** The record and, when it blocks, one block per agent/principal its filter names. Throws on a duplicate id. */
  insert(r: RevocationRecord): void {
    this.#insert.run({
      id: r.id,
      filter: JSON.stringify(r.filter),
      reason: r.reason,
      requested_by: r.requested_by,
      block: r.block ? 1 : 0,
      created_at: r.created_at,
      finished_at: r.finished_at,
      revoked_count: r.revoked_count,
    });
    if (!r.block) return;
    const at = { revocation_id: r.id, created_at: r.created_at };
    if (r.filter.agent !== undefined) this.#insertBlock.run({ kind: 'agent', subject: r.filter.agent, ...at });
    if (r.filter.principal !== undefined) this.#insertBlock.run({ kind: 'principal', subject: r.filter.principal, ...at });
  }

  get(id: string): RevocationRecord | null {
    const r = this.#get.get(id);
    return r ? toRecord(r) : null;
  }

  unfinished(): RevocationRecord[] {
    return this.#unfinished.all().map(toRecord);
  }

  /** 'finished' now, 'already' when another runner finished it first, 'missing' when no such revocation exists. */
  finish(id: string, finishedAt: number, revokedCount: number): 'finished' | 'already' | 'missing' {
    if (this.#finish.run(finishedAt, revokedCount, id).changes === 1) return 'finished';
    return this.#get.get(id) ? 'already' : 'missing';
  }

  /**
   * Counts a batch towards its revocation, in the batch's own transaction, so progress survives a
   * crash: the total, and per receipt group (provider, resource, token type, lease or not).
   */
  addProgress(id: string, revoked: readonly Grant[]): void {
    if (revoked.length === 0) return;
    this.#progress.run(revoked.length, id);
    const groups = new Map<string, { g: Grant; n: number; latest: number }>();
    for (const g of revoked) {
      const key = JSON.stringify([g.provider, g.resource, g.token_type, g.lease !== null]);
      const entry = groups.get(key) ?? { g, n: 0, latest: 0 };
      entry.n++;
      entry.latest = Math.max(entry.latest, g.credential_expires_at ?? g.expires_at);
      groups.set(key, entry);
    }
    for (const { g, n, latest } of groups.values()) this.#addTally.run(id, g.provider, g.resource, g.token_type, g.lease !== null ? 1 : 0, n, latest);
  }

  tally(id: string): RevocationTally[] {
    return this.#tally.all(id).map((r) => ({ ...r, with_lease: r.with_lease === 1 }));
  }

  list(limit: number): RevocationRecord[] {
    return this.#list.all(boundedList(limit)).map(toRecord);
  }

  blocks(limit: number): Block[] {
    return this.#listBlocks.all(boundedList(limit));
  }

  /** How many blocks on this subject were lifted. */
  liftBlocks(kind: Block['kind'], subject: string): number {
    return this.#deleteBlocks.run(kind, subject).changes;
  }

  isBlocked(agent: string, principal: string | null): boolean {
    return this.#blocked.get(agent, principal) !== undefined;
  }

  /** True when the task was newly closed. */
  closeTask(taskId: string, agent: string | null, time: number): boolean {
    return this.#closeTask.run(taskId, agent ?? '', time).changes === 1;
  }

  isTaskClosed(taskId: string, agent: string): boolean {
    return this.#taskClosed.get(taskId, agent) !== undefined;
  }
}

function boundedList(limit: number): number {
  return Math.max(0, Math.min(MAX_OPERATOR_LIST, Math.floor(limit)));
}
