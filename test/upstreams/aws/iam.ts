import type { AwsState } from './state.ts';
import { fail, ok, type XmlReply } from './xml.ts';

// IAM (API version 2010-05-08): a role's inline policies — PutRolePolicy, DeleteRolePolicy,
// ListRolePolicies (paged with Marker/MaxItems), GetRolePolicy — with the documented name rules
// and the 10,240-character quota on a role's inline policies together.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html

const NAME = /^[\w+=,.@-]{1,128}$/;
const ROLE_POLICY_QUOTA = 10_240;

export function iamAction(state: AwsState, action: string, p: URLSearchParams, pageSize: number): XmlReply {
  const roleName = p.get('RoleName') ?? '';
  const role = state.roles.get(roleName);
  if (!role) return fail('iam', 404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`);
  const policyName = p.get('PolicyName') ?? '';
  switch (action) {
    case 'PutRolePolicy': {
      if (!NAME.test(policyName)) return fail('iam', 400, 'ValidationError', "Value at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
      const doc = p.get('PolicyDocument') ?? '';
      if (!isJsonObject(doc)) return fail('iam', 400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
      // IAM counts a role's inline policies together, whitespace excluded.
      const others = [...role.policies].filter(([n]) => n !== policyName).reduce((n, [, d]) => n + charCount(d), 0);
      if (others + charCount(doc) > ROLE_POLICY_QUOTA) return fail('iam', 409, 'LimitExceeded', `Maximum policy size of ${ROLE_POLICY_QUOTA} bytes exceeded for role ${role.name}`);
      role.policies.set(policyName, doc);
      return ok('iam', 'PutRolePolicy');
    }
    case 'DeleteRolePolicy':
      if (!role.policies.delete(policyName)) return noSuchPolicy(policyName);
      return ok('iam', 'DeleteRolePolicy');
    case 'GetRolePolicy': {
      const doc = role.policies.get(policyName);
      if (doc === undefined) return noSuchPolicy(policyName);
      // IAM answers policy documents URL-encoded (RFC 3986).
      return ok('iam', 'GetRolePolicy', { RoleName: role.name, PolicyName: policyName, PolicyDocument: encodeURIComponent(doc) });
    }
    case 'ListRolePolicies': {
      const names = [...role.policies.keys()].sort();
      const max = Math.min(Number(p.get('MaxItems') ?? pageSize), pageSize);
      const start = p.has('Marker') ? Number(p.get('Marker')) : 0;
      const page = names.slice(start, start + max);
      const truncated = start + max < names.length;
      return ok('iam', 'ListRolePolicies', { PolicyNames: page, IsTruncated: truncated, Marker: truncated ? String(start + max) : undefined });
    }
    default:
      return fail('iam', 400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
  }
}

function noSuchPolicy(policyName: string): XmlReply {
  return fail('iam', 404, 'NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
}

function charCount(doc: string): number {
  return doc.replace(/\s/g, '').length;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
