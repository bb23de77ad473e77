import type { Config } from '../config/schema.ts';
import type { Approval } from './approval.ts';
import { rulesFor, type Human } from './approvers.ts';

/** Who is reading approvals: an admin, a person, or an agent. */
export type ApprovalViewer = { kind: 'admin'; id: string } | { kind: 'human'; human: Human } | { kind: 'agent'; id: string };

/**
 * An admin sees every request; a person what they may answer, or what was asked on their behalf;
 * an agent its own requests. The API and the console both ask here.
 */
export function mayView(v: ApprovalViewer, a: Approval, groups: Config['approvals']['groups']): boolean {
  if (v.kind === 'admin') return true;
  if (v.kind === 'agent') return a.agent === v.id;
  return a.principal === v.human.id || rulesFor(a, v.human, groups).length > 0;
}
