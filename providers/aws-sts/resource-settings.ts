import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import { ProviderError } from '../provider.ts';
import { awsStsAction, type Statement } from './action-settings.ts';
import { duplicateSid, templateProblem } from './session-policy.ts';

/** A catalog resource as this provider uses it: one role, a policy template per action class. */
export interface ResourceSettings {
  roleArn: string;
  statements: ReadonlyMap<ActionClass, readonly Statement[]>;
}

/**
 * Reads and checks a resource's per-action settings, so that a catalog AWS would refuse whatever
 * is granted stops Tollgate at start. Errors name the bad field (`actions.read.role_arn: …`).
 */
export function parseResource(resource: ResourceConfig): ResourceSettings {
  const statements = new Map<ActionClass, readonly Statement[]>();
  let roleArn: string | null = null;
  for (const [action, raw] of Object.entries(resource.actions) as [ActionClass, unknown][]) {
    const parsed = awsStsAction.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
      throw misconfigured(`actions.${action}${path}: ${issue?.message ?? 'invalid'}`);
    }
    // One AssumeRole serves the whole grant, so every action it may combine must share the role.
    if (roleArn !== null && parsed.data.roleArn !== roleArn) throw misconfigured(`actions.${action}.role_arn: every action of a resource must name the same role (${roleArn})`);
    roleArn = parsed.data.roleArn;
    const problem = templateProblem(parsed.data.statements);
    if (problem) throw misconfigured(`actions.${action}: ${problem}`);
    statements.set(action, parsed.data.statements);
  }
  if (roleArn === null) throw misconfigured('actions: name at least one action with a role_arn');
  const sid = duplicateSid([...statements.values()].flat());
  if (sid) throw misconfigured(`actions: two different statements share Sid ${sid}; AWS would refuse a grant of both`);
  return { roleArn, statements };
}

function misconfigured(message: string): ProviderError {
  return new ProviderError('misconfigured', message, false);
}
