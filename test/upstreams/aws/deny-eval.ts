import type { Session } from './state.ts';

// Whether a role's inline policies deny everything to one of its sessions: the part of IAM
// policy evaluation that emergency revocation relies on. Only what such a deny uses is understood
// (Deny of Action "*" on Resource "*"; String and Date conditions on the session's request
// context); anything else does not match, so a deny the fake cannot read counts as no deny.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function deniesSession(session: Session): boolean {
  const context: Record<string, string> = {
    'aws:userid': `${session.role.id}:${session.sessionName}`,
    'aws:TokenIssueTime': new Date(session.issuedAt).toISOString(),
    ...(session.sourceIdentity ? { 'aws:SourceIdentity': session.sourceIdentity } : {}),
  };
  for (const doc of session.role.policies.values()) {
    const statements = ([] as Statement[]).concat((JSON.parse(doc) as { Statement: Statement | Statement[] }).Statement);
    if (statements.some((s) => s.Effect === 'Deny' && list(s.Action).includes('*') && list(s.Resource).includes('*') && conditionsHold(s.Condition ?? {}, context))) return true;
  }
  return false;
}

function conditionsHold(condition: Record<string, Record<string, string | string[]>>, context: Record<string, string>): boolean {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, wanted]) => {
      const actual = context[key];
      // A key missing from the request context fails every operator used here.
      return actual !== undefined && list(wanted).some((w) => test(operator, actual, w));
    }),
  );
}

function test(operator: string, actual: string, wanted: string): boolean {
  switch (operator) {
    case 'StringEquals':
      return actual === wanted;
    case 'StringLike':
      return new RegExp('^' + wanted.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(actual);
    case 'DateLessThanEquals':
      return Date.parse(actual) <= Date.parse(wanted);
    case 'DateLessThan':
      return Date.parse(actual) < Date.parse(wanted);
    default:
      return false;
  }
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
