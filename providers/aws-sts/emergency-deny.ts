import { DeleteRolePolicyCommand, IAMClient, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Logger } from '../../src/log.ts';
import { fromAwsError } from './aws-errors.ts';
import { roleName } from '../../src/config/aws-role-arn.ts';

// STS cannot take back a session it issued. What IAM can do is refuse everything to it: an inline
// policy on the role that denies all actions to that one session. The policy's name carries the
// moment the session is surely over, so a sweep — at every start and on a timer, on every node —
// can delete it afterwards with nothing remembered outside IAM itself: restarts lose nothing.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html

export const DENY_PREFIX = 'tollgate-deny-';
const DENY_NAME = /^tollgate-deny-(\d+)-/;

/** Our clock against AWS's; SigV4 itself tolerates five minutes of skew. */
export const CLOCK_MARGIN_S = 300;

export interface DenyTarget {
  roleArn: string;
  sessionName: string;
  sourceIdentity: string;
  /** epoch seconds after which the session has surely expired and the deny can go */
  until: number;
}

/** Deterministic per session, so revoking again rewrites the same policy instead of adding one. */
export function denyPolicyName(t: DenyTarget): string {
  return `${DENY_PREFIX}${t.until}-${t.sessionName}`;
}

/**
 * Deny everything to sessions of this role that carry the grant's source identity, bear its
 * session name (aws:userid is `ROLE-ID:SESSION-NAME`) and were issued before now. The session
 * name keeps one grant's revocation from cutting off the same agent's other tasks; the issue-time
 * bound (with clock margin, so a session issued just before cannot slip past) keeps a later
 * session of the same name out.
 */
export function denyPolicyDocument(t: DenyTarget, now: number): string {
  const issuedBefore = new Date(Math.ceil(now / 1000 + CLOCK_MARGIN_S) * 1000).toISOString().replace('.000Z', 'Z');
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TollgateRevokedSession',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceIdentity': t.sourceIdentity },
          StringLike: { 'aws:userid': `*:${t.sessionName}` },
          DateLessThanEquals: { 'aws:TokenIssueTime': issuedBefore },
        },
      },
    ],
  });
}

export class EmergencyDeny {
  private readonly iam: IAMClient;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(opts: { iam: IAMClient; timeoutMs: number; log: Logger; now: () => number }) {
    this.iam = opts.iam;
    this.timeoutMs = opts.timeoutMs;
    this.log = opts.log;
    this.now = opts.now;
  }

  async put(t: DenyTarget): Promise<void> {
    const name = denyPolicyName(t);
    try {
      await this.iam.send(new PutRolePolicyCommand({ RoleName: roleName(t.roleArn), PolicyName: name, PolicyDocument: denyPolicyDocument(t, this.now()) }), this.options());
      this.log.log('info', 'aws-sts session denied', { role_arn: t.roleArn, policy: name });
    } catch (e) {
      // A deleted role's sessions can do nothing any more: there is nothing left to deny.
      if (isNoSuchEntity(e)) return this.log.log('warn', 'aws-sts role to deny no longer exists', { role_arn: t.roleArn, policy: name });
      throw fromAwsError(e, 'IAM PutRolePolicy');
    }
  }

  /** Deletes the deny policies whose sessions are over, on these roles; returns how many. */
  async sweep(roleArns: Iterable<string>): Promise<number> {
    let removed = 0;
    for (const arn of roleArns) {
      for (const name of await this.denyPolicies(arn)) {
        const until = Number(DENY_NAME.exec(name)?.[1]);
        if (until * 1000 > this.now()) continue;
        try {
          await this.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName(arn), PolicyName: name }), this.options());
          removed++;
        } catch (e) {
          if (!isNoSuchEntity(e)) throw fromAwsError(e, 'IAM DeleteRolePolicy'); // another node got there first otherwise
        }
      }
    }
    if (removed > 0) this.log.log('info', 'aws-sts expired deny policies removed', { removed });
    return removed;
  }

  private async denyPolicies(arn: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.iam.send(new ListRolePoliciesCommand({ RoleName: roleName(arn), ...(marker ? { Marker: marker } : {}) }), this.options()).catch((e: unknown) => {
        if (isNoSuchEntity(e)) return null; // a role gone from IAM has no policies left to sweep
        throw fromAwsError(e, 'IAM ListRolePolicies');
      });
      if (!page) return [];
      names.push(...(page.PolicyNames ?? []).filter((n) => DENY_NAME.test(n)));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return names;
  }

  private options() {
    return { abortSignal: AbortSignal.timeout(this.timeoutMs) };
  }
}

function isNoSuchEntity(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { Code?: string }).Code === 'NoSuchEntity';
}
