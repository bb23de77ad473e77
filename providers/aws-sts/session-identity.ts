import type { Grant } from '../../src/model/grant.ts';

// How a grant is named inside AWS, so CloudTrail ties every call of the session back to it.
// Session names and source identities allow 2–64 of [\w+=,.@-]; session tag values up to 256
// letters, digits, spaces and _ . : / = + - @.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html

const NAME_UNSAFE = /[^\w+=,.@-]/g;
const TAG_UNSAFE = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** RoleSessionName: the grant id (grt_ + base64url, already in the allowed set), made safe all the same. */
export function roleSessionName(grantId: string): string {
  return grantId.replace(NAME_UNSAFE, '-').slice(0, 64).padEnd(2, '-');
}

/**
 * SourceIdentity: who the session acts for — the human principal when there is one, else the
 * agent. Their ids (`iss#sub`, `spiffe://…`) do not fit AWS's alphabet, and a cut-down id could
 * collide with another's, so the value is the id without its URL scheme, unsafe characters as
 * '-', its last 51 characters, then '.' and 12 hex digits of SHA-256 over the whole id:
 * `https://idp.example#alice` → `idp.example-alice.<12 hex>`. STS keeps it for the life of the
 * session and through role chaining, and CloudTrail records it on every call.
 */
export async function sourceIdentity(grant: Pick<Grant, 'principal' | 'agent'>): Promise<string> {
  const id = grant.principal ?? grant.agent;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(id)));
  const hash = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
  const readable = id.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(NAME_UNSAFE, '-').slice(-51);
  return `${readable}.${hash}`;
}

/** Session tags: task, agent and owner, for CloudTrail and for role policies that key on aws:PrincipalTag. */
export function sessionTags(grant: Pick<Grant, 'task_id' | 'agent' | 'owner'>): { Key: string; Value: string }[] {
  return [
    { Key: 'tollgate:task', Value: tagValue(grant.task_id) },
    { Key: 'tollgate:agent', Value: tagValue(grant.agent) },
    { Key: 'tollgate:owner', Value: tagValue(grant.owner) },
  ];
}

function tagValue(v: string): string {
  return Array.from(v.replace(TAG_UNSAFE, '_')).slice(0, 256).join('');
}
