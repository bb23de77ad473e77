import type { Database, Statement } from 'better-sqlite3';
import type { RiskLevel } from '../../policy/types.ts';
import type { RecordedRisk, RiskChange } from '../store.ts';
import { toRecordedRisk, type RiskRow } from '../risk-rows.ts';
import { riskAfter } from '../write-rules.ts';

/** At most this many forgotten SET ids are deleted per received SET, so pruning never stalls a write. */
const PRUNE_PER_SIGNAL = 100;

/** `risk_levels`, `signal_jtis` and `principal_emails`. Plain reads and writes: callers own the transactions. */
export class SqliteRiskTables {
  readonly #levels: Statement<[string, string | null], RiskRow>;
  readonly #levelOf: Statement<[string, string], { level: RiskLevel }>;
  readonly #setLevel: Statement<[string, string, string, string, string, number]>;
  readonly #notBefore: Statement<[string, string, string, string, number, number, number]>;
  readonly #seen: Statement<[string, string, number], unknown>;
  readonly #insertJti: Statement<[string, string, number, number]>;
  readonly #pruneJtis: Statement<[number, number]>;
  readonly #rememberEmail: Statement<[string, string, number]>;
  readonly #byEmail: Statement<[string, number], { principal: string }>;

  constructor(db: Database) {
    // A null principal binds as NULL and matches nothing: one statement serves both cases.
    this.#levels = db.prepare(
      `SELECT kind, level, tokens_not_before FROM risk_levels WHERE (kind = 'agent' AND subject = ?) OR (kind = 'principal' AND subject = ?)`,
    );
    this.#levelOf = db.prepare('SELECT level FROM risk_levels WHERE kind = ? AND subject = ?');
    this.#setLevel = db.prepare(
      `INSERT INTO risk_levels (kind, subject, level, reason, set_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, subject) DO UPDATE SET level = excluded.level, reason = excluded.reason,
         set_by = excluded.set_by, updated_at = excluded.updated_at`,
    );
    // A subject with no recorded level gets `low` with the cutoff (its level stays what it was: none raised it).
    this.#notBefore = db.prepare(
      `INSERT INTO risk_levels (kind, subject, level, reason, set_by, updated_at, tokens_not_before) VALUES (?, ?, 'low', ?, ?, ?, ?)
       ON CONFLICT (kind, subject) DO UPDATE SET tokens_not_before = max(coalesce(tokens_not_before, 0), ?)`,
    );
    this.#seen = db.prepare('SELECT 1 FROM signal_jtis WHERE issuer = ? AND jti = ? AND keep_until > ?');
    // An expired entry for the same id is replaced: past its keep_until a replay is refused as too old anyway.
    this.#insertJti = db.prepare(
      `INSERT INTO signal_jtis (issuer, jti, keep_until) VALUES (?, ?, ?)
       ON CONFLICT (issuer, jti) DO UPDATE SET keep_until = excluded.keep_until WHERE signal_jtis.keep_until <= ?`,
    );
    this.#pruneJtis = db.prepare(
      'DELETE FROM signal_jtis WHERE (issuer, jti) IN (SELECT issuer, jti FROM signal_jtis WHERE keep_until <= ? LIMIT ?)',
    );
    this.#rememberEmail = db.prepare(
      `INSERT INTO principal_emails (email, principal, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (email, principal) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`,
    );
    this.#byEmail = db.prepare('SELECT principal FROM principal_emails WHERE email = ? ORDER BY seen_at DESC LIMIT ?');
  }

  levels(agent: string, principal: string | null): RecordedRisk {
    return toRecordedRisk(this.#levels.all(agent, principal));
  }

  /** Applies a change; returns what was recorded before and what is recorded now. */
  change(c: RiskChange): { previous: RiskLevel | null; level: RiskLevel } {
    const previous = this.#levelOf.get(c.subject.kind, c.subject.id)?.level ?? null;
    const { level, unchanged } = riskAfter(previous, c);
    if (!unchanged) this.#setLevel.run(c.subject.kind, c.subject.id, c.level, c.reason, c.by, c.time);
    if (c.tokens_not_before !== undefined) this.#notBefore.run(c.subject.kind, c.subject.id, c.reason, c.by, c.time, c.tokens_not_before, c.tokens_not_before);
    return { previous, level };
  }

  seen(issuer: string, jti: string, now: number): boolean {
    return this.#seen.get(issuer, jti, now) !== undefined;
  }

  /** Forgets up to a bounded number of expired ids, then inserts if absent; false when it was there. */
  record(issuer: string, jti: string, keepUntil: number, now: number): boolean {
    this.#pruneJtis.run(now, PRUNE_PER_SIGNAL);
    return this.#insertJti.run(issuer, jti, keepUntil, now).changes === 1;
  }

  rememberEmail(principal: string, email: string, time: number): void {
    this.#rememberEmail.run(email, principal, time);
  }

  principalsByEmail(email: string, limit: number): string[] {
    return this.#byEmail.all(email, limit).map((r) => r.principal);
  }
}
