import type { SqlDatabase, SqlStatement } from './sql-database.ts';
import type { Grant } from '../../model/grant.ts';
import { GRANT_COLUMNS, grantToRow } from '../sqlite/grant-rows.ts';
import type { GrantPatch, RevocationTally } from '../store.ts';
import { expectChanges } from './guard.ts';
import { jsonChunks, jsonColumns } from './json-chunks.ts';
import type { SqlBatching } from './json-chunks.ts';
import { CALL_LEASE_MAY_BE_LIVE } from '../write-rules.ts';

const INSERT_GRANT_SQL = `INSERT INTO grants (${GRANT_COLUMNS.join(', ')}) VALUES (${GRANT_COLUMNS.map(() => '?').join(', ')})`;

export function insertGrant(db: SqlDatabase, g: Grant): SqlStatement {
  const row = grantToRow(g);
  return db.prepare(INSERT_GRANT_SQL).bind(...GRANT_COLUMNS.map((c) => row[c]));
}

/** What a transition may write besides the status; column names come from here, never from the patch. */
const PATCH_COLUMNS = ['expires_at', 'issued_at', 'revoked_at', 'status_reason', 'lease', 'credential_fingerprint', 'credential_expires_at'] as const satisfies readonly (keyof GrantPatch)[];

/**
 * Grant `before` moved to `to` with `patch` (as the SQLite store's compareAndSet: an undefined
 * field is left alone, a null one cleared): the grant as it will be, and the guarded UPDATE.
 */
export function transitionGrant(cx: SqlBatching, before: Grant, to: Grant['status'], patch: GrantPatch): { after: Grant; statements: SqlStatement[] } {
  const set = PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
  const after: Grant = { ...before, status: to };
  for (const c of set) (after as unknown as Record<string, unknown>)[c] = patch[c] ?? null;
  const statements = updateIfUnchanged(cx, [before], `status = ?${set.map((c) => `, ${c} = ?`).join('')}`, [to, ...set.map((c) => patch[c] ?? null)]);
  return { after, statements };
}

/**
 * `SET …` on each of `grants`, only while it still has the status it was read with: one
 * UPDATE per status seen (at most three) and chunk of ids, each followed by a guard that fails
 * the batch unless every one of its rows changed.
 */
export function updateIfUnchanged(cx: SqlBatching, grants: readonly Grant[], set: string, setParams: readonly (string | number | null)[]): SqlStatement[] {
  const { db } = cx;
  const byStatus = new Map<string, string[]>();
  for (const g of grants) byStatus.set(g.status, [...(byStatus.get(g.status) ?? []), g.id]);
  const out: SqlStatement[] = [];
  for (const [status, ids] of byStatus) {
    for (const c of jsonChunks(ids, cx.maxParamBytes)) {
      out.push(db.prepare(`UPDATE grants SET ${set} WHERE id IN (${cx.dialect.idList}) AND status = ?`).bind(...setParams, c.json, status));
      out.push(expectChanges(db, c.rows));
    }
  }
  return out;
}

/** One revocation job per grant, due at `at`. */
export function addJobs(cx: SqlBatching, grants: readonly Grant[], at: number): SqlStatement[] {
  const { db } = cx;
  const rows = grants.map((g) => [g.id, g.provider, g.lease]);
  return jsonChunks(rows, cx.maxParamBytes).map((c) =>
    db
      .prepare(
        `INSERT INTO revocation_jobs (grant_id, provider, lease, attempts, next_attempt_at, created_at)
         SELECT ${jsonColumns(cx.dialect, ['text', 'text', 'text'])}, 0, ?, ? FROM ${cx.dialect.jsonRows}`,
      )
      .bind(at, at, c.json),
  );
}

/** A batch's grants counted towards its revocation: the total and per receipt group, as SqliteRevocations.addProgress. */
export function addProgress(cx: SqlBatching, revocationId: string, revoked: readonly Grant[]): SqlStatement[] {
  const { db } = cx;
  if (revoked.length === 0) return [];
  const groups = new Map<string, Omit<RevocationTally, 'pending'>>();
  for (const g of revoked) {
    const key = JSON.stringify([g.provider, g.resource, g.token_type, g.lease !== null]);
    const t = groups.get(key) ?? { provider: g.provider, resource: g.resource, token_type: g.token_type, with_lease: g.lease !== null, grants: 0, latest_expiry: 0 };
    t.grants++;
    t.latest_expiry = Math.max(t.latest_expiry, g.credential_expires_at ?? g.expires_at);
    groups.set(key, t);
  }
  const rows = [...groups.values()].map((t) => [t.provider, t.resource, t.token_type, t.with_lease ? 1 : 0, t.grants, t.latest_expiry]);
  return [
    db.prepare('UPDATE revocations SET revoked_count = revoked_count + ? WHERE id = ?').bind(revoked.length, revocationId),
    ...jsonChunks(rows, cx.maxParamBytes).map((c) =>
      // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
      db
        .prepare(
          `INSERT INTO revocation_tallies (revocation_id, provider, resource, token_type, with_lease, grants, latest_expiry)
           SELECT ?, ${jsonColumns(cx.dialect, ['text', 'text', 'text', 'int', 'int', 'int'])} FROM ${cx.dialect.jsonRows} WHERE true
           ON CONFLICT (revocation_id, provider, resource, token_type, with_lease)
           DO UPDATE SET grants = revocation_tallies.grants + excluded.grants,
             latest_expiry = ${cx.dialect.greatest('revocation_tallies.latest_expiry', 'excluded.latest_expiry')}`,
        )
        .bind(revocationId, c.json),
    ),
  ];
}

/**
 * A job for each call lease of these grants whose credential may still be live at `at`. Selected
 * inside the batch, so a lease recorded a moment before the batch commits is not missed.
 */
export function addCallLeaseJobs(cx: SqlBatching, grants: readonly Grant[], at: number): SqlStatement[] {
  const { db } = cx;
  return jsonChunks(grants.map((g) => g.id), cx.maxParamBytes).map((c) =>
    db
      .prepare(
        `INSERT INTO revocation_jobs (grant_id, provider, lease, attempts, next_attempt_at, created_at)
         SELECT grant_id, provider, lease, 0, ?, ? FROM call_leases
         WHERE grant_id IN (${cx.dialect.idList}) AND ${CALL_LEASE_MAY_BE_LIVE} ORDER BY grant_id, created_at`,
      )
      .bind(at, at, c.json, at),
  );
}
