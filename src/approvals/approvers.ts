import type { Config } from '../config/schema.ts';
import type { VerifiedToken } from '../identity/trust-registry.ts';
import type { Approval } from './approval.ts';

/** A human approver as their verified token describes them. */
export interface Human {
  /** `iss#sub`, the id approvals record */
  id: string;
  /** lower-cased; only what the issuer may vouch for (identity/vouched-claims.ts) */
  email: string | null;
  /** `<issuer name>:<group>`, only from an issuer that may vouch for groups */
  groups: string[];
}

export function humanFrom(t: VerifiedToken): Human {
  return { id: `${t.issuer}#${t.subject}`, email: t.vouched.email, groups: t.vouched.groups };
}

/**
 * Who may answer each rule: `owner` → the agent's owner and its registered approvers;
 * `principal` → the delegating human (self-approval); `group:NAME` → that group's members.
 * A rule nobody can answer (`principal` without delegation) resolves to an empty list.
 */
export function resolveApprovers(
  rules: readonly string[],
  who: { owner: string; agentApprovers: readonly string[]; principal: string | null },
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of rules) {
    if (rule === 'owner') out[rule] = [who.owner, ...who.agentApprovers];
    else if (rule === 'principal') out[rule] = who.principal ? [who.principal] : [];
    else out[rule] = [rule];
  }
  return out;
}

/**
 * The rules of `approval` this human may answer. An approver entry names a human by `iss#sub`
 * or by an email a vouching issuer verified, or a group (`group:NAME`, or an owner that is a
 * team): membership comes from config `approvals.groups`, or, for a group named with its issuer
 * (`<issuer name>:<group>`), from the `groups` claim of that issuer alone.
 */
export function rulesFor(approval: Pick<Approval, 'rules' | 'approvers'>, human: Human, groups: Config['approvals']['groups']): string[] {
  return approval.rules.filter((rule) => (approval.approvers[rule] ?? []).some((entry) => namesHuman(entry, human, groups)));
}

/** Whether one entry (`iss#sub`, an email, `group:NAME`, a team, `<issuer name>:<group>`) names this human: for approvers and for console admins alike. */
export function namesHuman(entry: string, h: Human, groups: Config['approvals']['groups']): boolean {
  if (entry === h.id) return true;
  if (h.email !== null && entry.toLowerCase() === h.email) return true;
  const group = entry.startsWith('group:') ? entry.slice('group:'.length) : entry;
  // h.groups are `<issuer name>:<group>`: only an entry naming that issuer's group matches one.
  if (h.groups.includes(group)) return true;
  const members = Object.hasOwn(groups, group) ? groups[group]! : [];
  return members.some((m) => m === h.id || (h.email !== null && m.toLowerCase() === h.email) || h.groups.includes(m));
}
