import { stableStringify } from '../../audit/canonical.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import type { ActClaim } from '../../grants/grant.ts';

/** An `audit_events` row: JSON columns are text. */
export interface AuditRow {
  seq: number;
  time: number;
  type: string;
  request_id: string | null;
  agent: string | null;
  principal: string | null;
  act: string | null;
  task_id: string | null;
  grant_id: string | null;
  resource: string | null;
  scope: string | null;
  actions: string;
  decision: string | null;
  policy_ids: string;
  reason: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = [
  'seq', 'time', 'type', 'request_id', 'agent', 'principal', 'act', 'task_id', 'grant_id', 'resource', 'scope',
  'actions', 'decision', 'policy_ids', 'reason', 'detail', 'prev_hash', 'hash',
] as const satisfies readonly (keyof AuditRow)[];

/**
 * The event exactly as it will be hashed and stored: only the known fields (a caller passing an
 * object with extra properties must not get them hashed but not stored), absent values as null,
 * and text as SQLite will give it back.
 */
export function chainLink(d: AuditDraft, seq: number, prevHash: string): Omit<AuditEvent, 'hash'> {
  return {
    type: d.type,
    time: d.time,
    request_id: text(d.request_id),
    agent: text(d.agent),
    principal: text(d.principal),
    act: d.act ?? null,
    task_id: text(d.task_id),
    grant_id: text(d.grant_id),
    resource: text(d.resource),
    scope: text(d.scope),
    actions: d.actions.map(wellFormed),
    decision: d.decision ?? null,
    policy_ids: d.policy_ids.map(wellFormed),
    reason: text(d.reason),
    detail: d.detail ?? null,
    seq,
    prev_hash: prevHash,
  };
}

/**
 * JSON columns are written with the same serialiser the hash uses, so parsing them back yields a
 * value whose canonical form is byte-identical (a Date inside `detail`, say, hashes and stores as `{}`).
 */
export function eventToRow(e: AuditEvent): AuditRow {
  return {
    seq: e.seq,
    time: e.time,
    type: e.type,
    request_id: e.request_id,
    agent: e.agent,
    principal: e.principal,
    act: e.act === null ? null : stableStringify(e.act),
    task_id: e.task_id,
    grant_id: e.grant_id,
    resource: e.resource,
    scope: e.scope,
    actions: stableStringify(e.actions),
    decision: e.decision,
    policy_ids: stableStringify(e.policy_ids),
    reason: e.reason,
    detail: e.detail === null ? null : stableStringify(e.detail),
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

/**
 * No validation beyond JSON parsing: a row someone tampered with must come back as it is, so
 * that verification sees and reports it rather than the reader hiding it.
 */
export function rowToEvent(r: AuditRow): AuditEvent {
  return {
    type: r.type as AuditEvent['type'],
    time: r.time,
    request_id: r.request_id,
    agent: r.agent,
    principal: r.principal,
    act: r.act === null ? null : (JSON.parse(r.act) as ActClaim),
    task_id: r.task_id,
    grant_id: r.grant_id,
    resource: r.resource,
    scope: r.scope,
    actions: JSON.parse(r.actions) as string[],
    decision: r.decision as AuditEvent['decision'],
    policy_ids: JSON.parse(r.policy_ids) as string[],
    reason: r.reason,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    seq: r.seq,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

interface Es2024String {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * SQLite keeps text as UTF-8, where a lone UTF-16 surrogate cannot exist: it would come back as
 * U+FFFD and the event would no longer match its hash. So the hash covers the replaced form.
 * (The methods are ES2024; Node 24 has them, the project's lib setting does not declare them.)
 */
function wellFormed(s: string): string {
  const es = s as unknown as Es2024String;
  return es.isWellFormed() ? s : es.toWellFormed();
}

function text(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : wellFormed(s);
}
