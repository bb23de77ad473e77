import type { JWTPayload } from 'jose';

/** Claims about a person that only some issuers are trusted to assert (config `trust.issuers[].asserts`). */
export const ASSERTABLE_CLAIMS = ['groups', 'email'] as const;
export type AssertableClaim = (typeof ASSERTABLE_CLAIMS)[number];

/** What an issuer vouches for about its subject; empty unless its config says it may. */
export interface VouchedClaims {
  /** lower-cased; only with `email_verified === true` from an issuer that asserts `email` */
  email: string | null;
  /** `<issuer name>:<group>` for each group of an issuer that asserts `groups` */
  groups: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_CHARS = 320;
const MAX_GROUPS = 256;
const MAX_GROUP_CHARS = 256;

export const NOTHING_VOUCHED: VouchedClaims = Object.freeze({ email: null, groups: [] as string[] }) as VouchedClaims;

/**
 * Group and email claims are only as good as the issuer asserting them: any IdP can put any
 * address or group name in a token it signs (the nOAuth class of bugs). So an issuer vouches only
 * for what its config lists, an email counts only when the issuer says it verified it, and a group
 * is named with the issuer that asserted it, so one issuer's `team-a` is never another's.
 */
export function vouchedClaims(claims: JWTPayload, issuerName: string, asserts: readonly AssertableClaim[]): VouchedClaims {
  if (asserts.length === 0) return NOTHING_VOUCHED;
  const e = claims.email;
  const email =
    asserts.includes('email') && claims.email_verified === true && typeof e === 'string' && e.length <= MAX_EMAIL_CHARS && EMAIL.test(e) ? e.toLowerCase() : null;
  const g = claims.groups;
  const groups =
    asserts.includes('groups') && Array.isArray(g)
      ? g.slice(0, MAX_GROUPS).filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_GROUP_CHARS).map((x) => qualifiedGroup(issuerName, x))
      : [];
  return { email, groups };
}

/** How approver entries name a group asserted by an issuer: `<issuer name>:<group>`. */
export function qualifiedGroup(issuerName: string, group: string): string {
  return `${issuerName}:${group}`;
}
