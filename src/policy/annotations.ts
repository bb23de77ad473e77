import { parseDuration } from '../config/duration.ts';

// Obligations ride on permit annotations: @approval("owner" | "principal" | "group:<name>"), @max_ttl("15m").
// @unregistered("allow") lets a permit apply to agents with no registration too (DESIGN §1: an
// unregistered agent gets nothing unless policy explicitly allows it).
export interface Obligations {
  approval: string | null;
  maxTtl: number | null;
  unregistered: boolean;
}

const APPROVAL = /^(owner|principal|group:[A-Za-z0-9._@-]{1,128})$/;

/** Reads a policy's obligations; `problems` is empty when every annotation is valid. */
export function readObligations(
  effect: 'permit' | 'forbid',
  annotations: Record<string, string | null>,
): Obligations & { problems: string[] } {
  const problems: string[] = [];
  let approval: string | null = null;
  let maxTtl: number | null = null;
  let unregistered = false;

  const rawUnregistered = annotations.unregistered;
  if (rawUnregistered !== undefined) {
    if (rawUnregistered === 'allow') unregistered = true;
    else problems.push(`@unregistered(${show(rawUnregistered)}): expected "allow"`);
  }
  const rawApproval = annotations.approval;
  if (rawApproval !== undefined) {
    if (rawApproval !== null && APPROVAL.test(rawApproval)) approval = rawApproval;
    else problems.push(`@approval(${show(rawApproval)}): expected "owner", "principal" or "group:<name>"`);
  }
  const rawTtl = annotations.max_ttl;
  if (rawTtl !== undefined) {
    const seconds = rawTtl === null ? null : parseDuration(rawTtl);
    if (seconds !== null) maxTtl = seconds;
    else problems.push(`@max_ttl(${show(rawTtl)}): expected a duration such as "90s", "15m", "1h", "1d"`);
  }
  if (effect === 'forbid' && (rawApproval !== undefined || rawTtl !== undefined || rawUnregistered !== undefined)) {
    problems.push('@approval, @max_ttl and @unregistered only apply to permit policies');
  }
  return { approval, maxTtl, unregistered, problems };
}

/** Combines the obligations of several deciding permits: every approval, the shortest TTL. */
export function combineObligations(list: readonly Obligations[]): Obligations {
  const approvals = new Set<string>();
  let maxTtl: number | null = null;
  for (const o of list) {
    if (o.approval !== null) approvals.add(o.approval);
    if (o.maxTtl !== null && (maxTtl === null || o.maxTtl < maxTtl)) maxTtl = o.maxTtl;
  }
  return { approval: approvals.size ? [...approvals].sort().join(',') : null, maxTtl, unregistered: list.some((o) => o.unregistered) };
}

function show(v: string | null): string {
  return v === null ? '' : JSON.stringify(v);
}
