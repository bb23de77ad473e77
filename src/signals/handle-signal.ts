import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import { inspectToken } from '../identity/inspect-token.ts';
import { applyRisk, type RiskOutcome } from '../risk/apply-risk.ts';
import { parseEvent, type ParsedEvent } from './events.ts';
import { RejectionBudget } from './rejection-budget.ts';
import { SetError } from './set-error.ts';
import { describeSubject, parseSubjectId, resolveSubject, type SubjectId } from './subject.ts';
import { verifySet, type VerifiedSet } from './verify-set.ts';

export interface EventOutcome {
  type: string;
  name: string | null;
  subject: Record<string, unknown> | null;
  /** one per agent or principal the subject maps to; empty when the event changes nothing or maps to no one */
  changes: RiskOutcome[];
}

/**
 * Receives one SET (RFC 8935 push): verify, refuse a replay, check every event, and only then
 * act — raise each mapped subject's risk and revoke its grants. Every SET is audited: accepted
 * ones (with what they did) as `signal.accepted`, refused ones as `signal.rejected`.
 *
 * The (iss, jti) is recorded after acting: if acting fails half-way the transmitter's retry is
 * processed again (raising risk and revoking are idempotent) instead of being refused as a replay.
 */
export async function receiveSignal(deps: Deps, token: string, requestId: string): Promise<EventOutcome[]> {
  let set: VerifiedSet;
  let planned: { event: ParsedEvent; subject: SubjectId | null }[];
  try {
    set = await verifySet(deps, token);
    if (await deps.store.signalSeen(set.issuer, set.jti, deps.now()))
      throw new SetError('invalid_request', 'SET already received (replayed "jti")');
    planned = set.events.map(([type, payload]) => plan(parseEvent(type, payload), set.subId));
  } catch (e) {
    if (e instanceof SetError) await auditRejection(deps, token, e, requestId);
    throw e;
  }

  const by = `signals:${set.issuerName}`;
  const transmitter = deps.config.trust.issuers.find((i) => i.name === set.issuerName) ?? null;
  const outcomes: EventOutcome[] = [];
  for (const { event, subject } of planned) {
    const outcome: EventOutcome = { type: event.type, name: event.name, subject: subject && describeSubject(subject), changes: [] };
    outcomes.push(outcome);
    if (!event.effect || !subject) continue;
    for (const target of await resolveSubject(deps, subject, transmitter)) {
      outcome.changes.push(
        await applyRisk(deps, {
          subject: target,
          level: event.effect.level,
          mode: 'raise',
          revokeAll: event.effect.revokeAll,
          reason: `signal ${event.name} from ${set.issuerName}`,
          by,
          requestId,
          detail: { signal: { issuer: set.issuer, jti: set.jti, event: event.type } },
        }),
      );
    }
  }

  const limits = deps.config.server.limits;
  const keepUntil = set.issuedAt + (limits.max_signal_age + limits.clock_skew) * 1000;
  const now = deps.now();
  await deps.store.recordSignal(
    set.issuer,
    set.jti,
    keepUntil,
    draft('signal.accepted', now, {
      request_id: requestId,
      reason: outcomes.some((o) => o.changes.length > 0) ? 'acted on' : 'accepted; nothing to act on',
      detail: { issuer: set.issuer, transmitter: set.issuerName, jti: set.jti, events: outcomes.map(summary) },
    }),
  );
  return outcomes;
}

/** Which subject an event is about: SSF's top-level `sub_id`, or the event's own `subject` (never both, unless equal). */
function plan(event: ParsedEvent, subId: unknown): { event: ParsedEvent; subject: SubjectId | null } {
  if (subId !== undefined && event.subject !== undefined && JSON.stringify(subId) !== JSON.stringify(event.subject))
    throw new SetError('invalid_request', `${event.name ?? 'event'}: "sub_id" and the event's "subject" disagree`);
  const raw = subId ?? event.subject;
  if (raw === undefined) {
    if (event.effect) throw new SetError('invalid_request', `${event.name} event: no subject ("sub_id")`);
    return { event, subject: null };
  }
  // An unknown event's subject is only recorded; a malformed one does not make the SET bad.
  if (!event.name) {
    try {
      return { event, subject: parseSubjectId(raw) };
    } catch {
      return { event, subject: null };
    }
  }
  return { event, subject: parseSubjectId(raw) };
}

function summary(o: EventOutcome) {
  return {
    type: o.type,
    known: o.name !== null,
    subject: o.subject,
    changes: o.changes.map((c) => ({ [c.subject.kind]: c.subject.id, previous_level: c.previous_level, level: c.level, revoked: c.revoked, revocation_ids: c.revocation_ids })),
  };
}

const budgets = new WeakMap<Deps, RejectionBudget>();

async function auditRejection(deps: Deps, token: string, e: SetError, requestId: string): Promise<void> {
  let budget = budgets.get(deps);
  if (!budget) budgets.set(deps, (budget = new RejectionBudget(5, 50, deps.now())));
  const suppressed = budget.take(deps.now());
  if (suppressed === null) {
    // Once per run of unwritten refusals, or the log would be the next thing flooded.
    if (budget.suppressed === 1) deps.log.log('warn', 'signals refused faster than they are audited; counting the rest', { code: e.code });
    return;
  }
  let claimedIssuer: string | null = null;
  try {
    claimedIssuer = inspectToken(token, deps.config.server.limits.max_token_bytes).issuer.slice(0, 256);
  } catch {
    // Not even a readable JWT: nothing to name.
  }
  await deps.store.appendAudit(
    draft('signal.rejected', deps.now(), {
      request_id: requestId,
      decision: 'deny',
      reason: e.code,
      detail: { description: e.message, claimed_issuer: claimedIssuer, ...(suppressed > 0 ? { unaudited_refusals_before: suppressed } : {}) },
    }),
  );
}
