import type { Database, Statement } from 'better-sqlite3';
import type { RevocationJob } from '../store.ts';

export interface NewJob {
  grant_id: string;
  provider: string;
  lease: string | null;
  at: number;
}

/** `revocation_jobs`: upstream revocations still owed. A job is due immediately when written. */
export class SqliteJobQueue {
  readonly #insert: Statement<[string, string, string | null, number, number]>;
  readonly #due: Statement<[number, number], RevocationJob>;
  readonly #forGrants: Statement<[string], RevocationJob>;
  readonly #delete: Statement<[number]>;
  readonly #reschedule: Statement<[number, string, number]>;

  constructor(db: Database) {
    this.#insert = db.prepare<[string, string, string | null, number, number]>(
      'INSERT INTO revocation_jobs (grant_id, provider, lease, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 0, ?, ?)',
    );
    this.#due = db.prepare<[number, number], RevocationJob>(
      `SELECT id, grant_id, provider, lease, attempts, next_attempt_at, last_error FROM revocation_jobs
       WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
    );
    this.#forGrants = db.prepare<[string], RevocationJob>(
      `SELECT id, grant_id, provider, lease, attempts, next_attempt_at, last_error FROM revocation_jobs
       WHERE grant_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    );
    this.#delete = db.prepare<[number]>('DELETE FROM revocation_jobs WHERE id = ?');
    this.#reschedule = db.prepare<[number, string, number]>(
      'UPDATE revocation_jobs SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    );
  }

  add(job: NewJob): void {
    this.#insert.run(job.grant_id, job.provider, job.lease, job.at, job.at);
  }

  due(now: number, limit: number): RevocationJob[] {
    return this.#due.all(now, limit);
  }

  forGrants(grantIds: readonly string[]): RevocationJob[] {
    return this.#forGrants.all(JSON.stringify(grantIds));
  }

  /** False when the job was already gone (another worker finished it first). */
  delete(id: number): boolean {
    return this.#delete.run(id).changes === 1;
  }

  reschedule(id: number, nextAttemptAt: number, error: string): void {
    this.#reschedule.run(nextAttemptAt, error, id);
  }
}
