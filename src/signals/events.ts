import type { RiskLevel } from '../policy/types.ts';
import { SetError } from './set-error.ts';
import { isObject } from './verify-set.ts';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';

/** What an event does to its subject: raise risk to `level`; revoke all its grants, or those policy now denies. */
export interface EventEffect {
  level: RiskLevel;
  revokeAll: boolean;
}

export interface EventRule {
  /** short name for audit and messages */
  name: string;
  /** required members and their checks; optional members are checked when present */
  required: Record<string, Check>;
  optional?: Record<string, Check>;
  /** null: accepted and audited, nothing changes */
  effect(payload: Record<string, unknown>): EventEffect | null;
}

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 1024;
const oneOf = (...values: string[]): Check => (v) => typeof v === 'string' && values.includes(v);
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const obj: Check = (v) => isObject(v);
/** CAEP's reason_admin / reason_user: a language-tagged object of strings (older drafts: a string). */
const text: Check = (v) => str(v) || (isObject(v) && Object.values(v).every(str));

/** Members every CAEP/RISC event may carry. */
const COMMON: Record<string, Check> = {
  event_timestamp: num,
  initiating_entity: oneOf('admin', 'user', 'policy', 'system'),
  reason_admin: text,
  reason_user: text,
  subject: obj,
};

const REVOKE_ALL_HIGH: EventEffect = { level: 'high', revokeAll: true };
const REDECIDE_MEDIUM: EventEffect = { level: 'medium', revokeAll: false };

/**
 * The events Tollgate acts on, and what each does. The subject's risk only ever goes up here;
 * admins bring it down with POST /v1/risk.
 * - session-revoked: the session the agent's delegation came from is over, so every grant of
 *   that subject goes; `medium` because a user who signs in again is not suspect in itself.
 * - account-disabled, credential-compromise: `high` and every grant goes.
 * - credential-change, token-claims-change, assurance-level-change (unless an increase):
 *   `medium`, and policy decides again which grants survive.
 * - identifier-changed: audited only (the email index learns the new address at the next exchange).
 */
export const EVENT_RULES: ReadonlyMap<string, EventRule> = new Map<string, EventRule>([
  [CAEP + 'session-revoked', { name: 'session-revoked', required: {}, effect: () => ({ level: 'medium', revokeAll: true }) }],
  [
    CAEP + 'credential-change',
    {
      name: 'credential-change',
      required: { credential_type: str, change_type: oneOf('create', 'revoke', 'update', 'delete') },
      optional: { friendly_name: str, x509_issuer: str, x509_serial: str, fido2_aaguid: str },
      effect: () => REDECIDE_MEDIUM,
    },
  ],
  [
    CAEP + 'assurance-level-change',
    {
      name: 'assurance-level-change',
      required: { namespace: str, current_level: str },
      optional: { previous_level: str, change_direction: oneOf('increase', 'decrease') },
      effect: (p) => (p.change_direction === 'increase' ? null : REDECIDE_MEDIUM),
    },
  ],
  [CAEP + 'token-claims-change', { name: 'token-claims-change', required: { claims: obj }, effect: () => REDECIDE_MEDIUM }],
  [RISC + 'account-disabled', { name: 'account-disabled', required: {}, optional: { reason: str }, effect: () => REVOKE_ALL_HIGH }],
  [RISC + 'credential-compromise', { name: 'credential-compromise', required: { credential_type: str }, effect: () => REVOKE_ALL_HIGH }],
  [RISC + 'identifier-changed', { name: 'identifier-changed', required: {}, optional: { 'new-value': str }, effect: () => null }],
]);

export interface ParsedEvent {
  type: string;
  /** null for a type Tollgate does not know */
  name: string | null;
  effect: EventEffect | null;
  /** the event's own subject (older CAEP/RISC profiles), when it has one */
  subject: unknown;
}

/** Checks a known event's payload against its definition; an unknown type is accepted as is. */
export function parseEvent(type: string, payload: Record<string, unknown>): ParsedEvent {
  const rule = EVENT_RULES.get(type);
  if (!rule) return { type, name: null, effect: null, subject: undefined };
  for (const [member, check] of Object.entries(rule.required)) {
    if (!check(payload[member])) throw new SetError('invalid_request', `${rule.name} event: "${member}" is missing or malformed`);
  }
  for (const [member, check] of Object.entries({ ...COMMON, ...rule.optional })) {
    if (payload[member] !== undefined && !check(payload[member]))
      throw new SetError('invalid_request', `${rule.name} event: "${member}" is malformed`);
  }
  return { type, name: rule.name, effect: rule.effect(payload), subject: payload.subject };
}
