import type { ActClaim } from '../model/grant.ts';
import { IdentityError } from './identity-error.ts';
import type { VerifiedToken } from './verified-token.ts';

/** Longest `sub`/`iss` inside an `act` claim; these are identifiers, not documents. */
const MAX_ID_CHARS = 2048;

/**
 * RFC 8693 §4.1: the current actor goes outermost, the chain so far nests inside it.
 * Only `sub`/`iss` are carried, so nothing else from the actor's token leaks into ours.
 */
export function buildActClaim(actor: VerifiedToken, previous: ActClaim | null): ActClaim {
  const act: ActClaim = { sub: actor.agentId, iss: actor.issuer };
  if (previous) act.act = previous;
  return act;
}

/** How many actors a chain holds: 0 for none, 1 for one actor, … */
export function actDepth(act: ActClaim | null): number {
  let depth = 0;
  for (let a: ActClaim | undefined = act ?? undefined; a; a = a.act) depth++;
  return depth;
}

/**
 * Reads an `act` claim back from a (verified) token. Absent (`undefined`/`null`) → null.
 * Anything else that is not a well-formed chain of at most `maxDepth` actors throws
 * IdentityError('bad_delegation'): a malformed chain must never read as "no delegation".
 * Returns a fresh copy holding only `sub`, `iss` and `act`.
 */
export function parseActClaim(v: unknown, maxDepth: number): ActClaim | null {
  if (v === undefined || v === null) return null;
  const links: ActClaim[] = [];
  // Iterative, and bounded before descending, so a hostile deep nesting costs nothing.
  for (let cur: unknown = v; cur !== undefined; ) {
    if (links.length >= maxDepth) throw new IdentityError('bad_delegation', `delegation chain deeper than ${maxDepth}`);
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) throw bad('an actor is not an object');
    const { sub, iss, act } = cur as Record<string, unknown>;
    if (typeof sub !== 'string' || sub === '' || sub.length > MAX_ID_CHARS) throw bad('an actor has no valid "sub"');
    if (iss !== undefined && (typeof iss !== 'string' || iss === '' || iss.length > MAX_ID_CHARS)) {
      throw bad('an actor has an invalid "iss"');
    }
    links.push(iss === undefined ? { sub } : { sub, iss });
    cur = act;
  }
  // Re-nest from the innermost out.
  for (let i = links.length - 2; i >= 0; i--) links[i]!.act = links[i + 1]!;
  return links[0]!;
}

function bad(why: string): IdentityError {
  return new IdentityError('bad_delegation', `malformed "act" claim: ${why}`);
}
