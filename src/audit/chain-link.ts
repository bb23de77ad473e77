import { stableStringify } from './canonical.ts';
import type { AuditDraft, AuditEvent } from './event.ts';

/** An event placed in the chain, before its hash is known. */
export type Link = Omit<AuditEvent, 'hash'>;

/**
 * The event exactly as it will be hashed and stored: only the known fields (a caller passing an
 * object with extra properties must not get them hashed but not stored), absent values as null,
 * and text as SQLite will give it back.
 */
export function chainLink(d: AuditDraft, seq: number, prevHash: string): Link {
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

export interface EncodedLink {
  /** canonicalEvent(link), the bytes the hash covers */
  canonical: string;
  /** the `audit_events` columns in AUDIT_COLUMNS order, all but the hash */
  values: (string | number | null)[];
}

/**
 * The canonical form and the column values together. canonicalEvent's generic sort-and-walk
 * costs more than the rest of an append, and a mass revocation appends thousands of events per
 * transaction; here the JSON the columns need anyway is spliced into the fixed, already sorted
 * key order. Same bytes as canonicalEvent (tests hold them equal). JSON columns use the hash's
 * serialiser, so parsing them back gives a value with the same canonical form — a Date inside
 * `detail`, say, is hashed and stored alike as `{}`.
 */
export function encodeLink(e: Link): EncodedLink {
  const act = stableStringify(e.act);
  // Arrays of strings (chainLink made them so): JSON.stringify gives stableStringify's bytes, faster.
  const actions = JSON.stringify(e.actions);
  const policyIds = JSON.stringify(e.policy_ids);
  const detail = stableStringify(e.detail);
  const j = JSON.stringify;
  const canonical =
    `{"act":${act},"actions":${actions},"agent":${j(e.agent)},"decision":${j(e.decision)},"detail":${detail}` +
    `,"grant_id":${j(e.grant_id)},"policy_ids":${policyIds},"prev_hash":${j(e.prev_hash)},"principal":${j(e.principal)}` +
    `,"reason":${j(e.reason)},"request_id":${j(e.request_id)},"resource":${j(e.resource)},"scope":${j(e.scope)}` +
    `,"seq":${j(e.seq)},"task_id":${j(e.task_id)},"time":${j(e.time)},"type":${j(e.type)}}`;
  const values = [
    e.seq, e.time, e.type, e.request_id, e.agent, e.principal, e.act === null ? null : act, e.task_id, e.grant_id,
    e.resource, e.scope, actions, e.decision, policyIds, e.reason, e.detail === null ? null : detail, e.prev_hash,
  ];
  return { canonical, values };
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
