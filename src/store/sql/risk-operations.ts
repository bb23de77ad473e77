import type { AuditDraft } from '../../audit/event.ts';
import type { RiskLevel } from '../../policy/types.ts';
import { clampLimit } from '../sqlite/limits.ts';
import type { RecordedRisk, RiskChange } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { expectChanges, withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { firstOf, snapshot } from './snapshot.ts';
import { toRecordedRisk, type RiskRow } from '../risk-rows.ts';
import { riskAfter, riskChangeEvent } from '../write-rules.ts';

/** At most this many forgotten SET ids are deleted per received SET, as on SQLite. */
const PRUNE_PER_SIGNAL = 100;

const MAX_EMAIL_PRINCIPALS = 1000;

/** Risk levels, received SETs and the email index in the SQL store, with the contracts of their Store methods. */
export function sqlRiskOperations(cx: SqlBatching) {
  const { db } = cx;
  return {
    async riskLevels(agent: string, principal: string | null): Promise<RecordedRisk> {
      // A null principal binds as NULL and matches nothing: one statement serves both cases.
      const { results } = await db
        .prepare(`SELECT kind, level, tokens_not_before FROM risk_levels WHERE (kind = 'agent' AND subject = ?) OR (kind = 'principal' AND subject = ?)`)
        .bind(agent, principal)
        .all<RiskRow>();
      return toRecordedRisk(results);
    },

    async signalSeen(issuer: string, jti: string, now: number): Promise<boolean> {
      return (await db.prepare('SELECT 1 AS hit FROM signal_jtis WHERE issuer = ? AND jti = ? AND keep_until > ?').bind(issuer, jti, now).first()) !== null;
    },

    async rememberEmail(principal: string, email: string, time: number): Promise<void> {
      await db
        .prepare(
          `INSERT INTO principal_emails (email, principal, seen_at) VALUES (?, ?, ?)
           ON CONFLICT (email, principal) DO UPDATE SET seen_at = ${cx.dialect.greatest('principal_emails.seen_at', 'excluded.seen_at')}`,
        )
        .bind(email, principal, time)
        .run();
    },

    async principalsByEmail(email: string, limit: number): Promise<string[]> {
      const n = clampLimit(limit, MAX_EMAIL_PRINCIPALS);
      if (n === 0) return [];
      const { results } = await db.prepare('SELECT principal FROM principal_emails WHERE email = ? ORDER BY seen_at DESC LIMIT ?').bind(email, n).all<{ principal: string }>();
      return results.map((r) => r.principal);
    },

    async changeRisk(change: RiskChange, event: AuditDraft): Promise<{ previous: RiskLevel | null; level: RiskLevel }> {
      const { kind, id } = change.subject;
      return withRetries(cx, 'changeRisk', async () => {
        const { results, head } = await snapshot(db, [db.prepare('SELECT level FROM risk_levels WHERE kind = ? AND subject = ?').bind(kind, id)]);
        const previous = firstOf<{ level: RiskLevel }>(results[0])?.level ?? null;
        const { level, unchanged: keep } = riskAfter(previous, change);
        const append = await appendAudit(cx, head, [riskChangeEvent(change, previous, level, event)]);
        await db.batch([
          // Still the level the decision was made on (`IS` compares NULL too).
          db.prepare(`INSERT INTO write_guard (stale) SELECT 1 WHERE (SELECT level FROM risk_levels WHERE kind = ? AND subject = ?) IS DISTINCT FROM ?`).bind(kind, id, previous),
          ...(keep
            ? []
            : [
                db
                  .prepare(
                    `INSERT INTO risk_levels (kind, subject, level, reason, set_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                     ON CONFLICT (kind, subject) DO UPDATE SET level = excluded.level, reason = excluded.reason,
                       set_by = excluded.set_by, updated_at = excluded.updated_at`,
                  )
                  .bind(kind, id, change.level, change.reason, change.by, change.time),
              ]),
          ...(change.tokens_not_before === undefined
            ? []
            : [
                db
                  .prepare(
                    `INSERT INTO risk_levels (kind, subject, level, reason, set_by, updated_at, tokens_not_before) VALUES (?, ?, 'low', ?, ?, ?, ?)
                     ON CONFLICT (kind, subject) DO UPDATE SET tokens_not_before = ${cx.dialect.greatest('coalesce(risk_levels.tokens_not_before, 0)', '?')}`,
                  )
                  .bind(kind, id, change.reason, change.by, change.time, change.tokens_not_before, change.tokens_not_before),
              ]),
          ...append.statements,
        ]);
        return { previous, level };
      });
    },

    async recordSignal(issuer: string, jti: string, keepUntil: number, event: AuditDraft): Promise<boolean> {
      const now = event.time;
      return withRetries(cx, 'recordSignal', async () => {
        const { results, head } = await snapshot(db, [db.prepare('SELECT 1 FROM signal_jtis WHERE issuer = ? AND jti = ? AND keep_until > ?').bind(issuer, jti, now)]);
        if ((results[0]?.results.length ?? 0) > 0) return false;
        const append = await appendAudit(cx, head, [event]);
        await db.batch([
          db.prepare('DELETE FROM signal_jtis WHERE (issuer, jti) IN (SELECT issuer, jti FROM signal_jtis WHERE keep_until <= ? LIMIT ?)').bind(now, PRUNE_PER_SIGNAL),
          // An expired entry for the same id is replaced: past its keep_until a replay is refused as too old anyway.
          db
            .prepare(
              `INSERT INTO signal_jtis (issuer, jti, keep_until) VALUES (?, ?, ?)
               ON CONFLICT (issuer, jti) DO UPDATE SET keep_until = excluded.keep_until WHERE signal_jtis.keep_until <= ?`,
            )
            .bind(issuer, jti, keepUntil, now),
          // Another receiver recorded it first: this batch fails, and the retry answers false.
          expectChanges(db, 1),
          ...append.statements,
        ]);
        return true;
      });
    },
  };
}
