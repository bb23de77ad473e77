import { ProviderError } from '../provider.ts';
import type { Statement } from './action-settings.ts';

/**
 * AWS caps the plaintext of inline session policies at 2,048 characters (AssumeRole, `Policy`);
 * what is packed into the session token has a separate, undisclosed limit that only STS can
 * check (it answers PackedPolicyTooLarge). Counted here in UTF-8 bytes of exactly the text sent,
 * which equals the character count for ASCII and errs on the safe side otherwise.
 */
export const SESSION_POLICY_LIMIT = 2048;

/** AWS accepts tab, LF, CR and U+0020 through U+00FF in session policies. */
const ALLOWED = /^[\t\n\r\u0020-\u00ff]*$/;

/**
 * The session policy for the granted actions: every statement of their templates, identical
 * ones once, as compact JSON. The session gets the intersection of this and the role's own
 * policies, so a grant never exceeds the role nor its templates.
 */
export function sessionPolicy(statements: readonly Statement[]): string {
  const unique = [...new Map(statements.map((s) => [JSON.stringify(s), s])).values()];
  return JSON.stringify({ Version: '2012-10-17', Statement: unique });
}

export function policySize(policy: string): number {
  return new TextEncoder().encode(policy).length;
}

/** At issue: a combination of actions too large for AWS is the caller's scope, not a fault. */
export function assertPolicyFits(policy: string): void {
  const n = policySize(policy);
  if (n > SESSION_POLICY_LIMIT) throw new ProviderError('scope_too_large', `session policy is ${n} characters; AWS allows ${SESSION_POLICY_LIMIT}`, false);
}

/** At start: what makes a template unusable whatever else is granted with it; null when fine. */
export function templateProblem(statements: readonly Statement[]): string | null {
  const policy = sessionPolicy(statements);
  if (!ALLOWED.test(policy)) return 'session policies may hold only characters U+0020 to U+00FF, tab, LF and CR';
  const n = policySize(policy);
  if (n > SESSION_POLICY_LIMIT) return `session policy is ${n} characters on its own; AWS allows ${SESSION_POLICY_LIMIT}`;
  return null;
}

/** Two different statements under one Sid make a document AWS refuses; null when Sids are unique. */
export function duplicateSid(statements: readonly Statement[]): string | null {
  const seen = new Map<string, string>();
  for (const s of statements) {
    if (!s.Sid) continue;
    const text = JSON.stringify(s);
    if (seen.has(s.Sid) && seen.get(s.Sid) !== text) return s.Sid;
    seen.set(s.Sid, text);
  }
  return null;
}
