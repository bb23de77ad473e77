import type { Human } from '../approvals/approvers.ts';
import { namesHuman } from '../approvals/approvers.ts';
import type { ApprovalViewer } from '../approvals/may-view.ts';
import type { Config } from '../config/schema.ts';

/** How someone signed in to the console. */
export type SignInMethod = 'oidc' | 'dev' | 'admin-key';

/** Who is using the console, for this request: what a valid session cookie says. */
export interface Viewer {
  /** what audit events record as `by`: `iss#sub`, or `admin-key` */
  id: string;
  /** set for a person (OIDC or dev sign-in): they answer approvals as this human */
  human: Human | null;
  admin: boolean;
  via: SignInMethod;
}

/**
 * Console admins are whom config names: a person signed in through an issuer of kind `admin`, a
 * person `console.admins` names (the approvers' naming rules, approvers.ts), or a bootstrap admin
 * key. Decided once, at sign-in; a session lasts `console.session_ttl`.
 */
export function isConsoleAdmin(config: Config, human: Human, issuerKind: 'human' | 'admin'): boolean {
  return issuerKind === 'admin' || config.console.admins.some((entry) => namesHuman(entry, human, config.approvals.groups));
}

/** The viewer as the approval rules see them: an admin sees all; a person what they may answer. */
export function approvalViewer(v: Viewer): ApprovalViewer {
  return v.admin ? { kind: 'admin', id: v.id } : { kind: 'human', human: v.human ?? { id: v.id, email: null, groups: [] } };
}
