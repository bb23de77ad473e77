import type { IssuerKind } from './verified-token.ts';
import { IdentityError } from './identity-error.ts';

/** RFC 8725 §3.11 / RFC 7515 §4.1.9: `typ` compares case-insensitively, `application/` may be omitted. */
function normalize(typ: string): string {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

/** What a plain identity token may say about itself when its issuer pins no type: nothing, or just "JWT". */
const PLAIN_JWT = 'jwt';

/**
 * Explicit typing (RFC 8725 §3.11): a token of one JWT kind never passes for another. When the
 * issuer's config pins a `typ`, only that one is accepted (and a token without one is refused).
 * When it pins none, an identity token may carry no `typ` or `JWT`; any other value names another
 * kind (`secevent+jwt`, `logout+jwt`, some server's `at+jwt`, …) and is refused. A signals issuer's
 * tokens are SETs: signals/verify-set.ts holds that rule. Tollgate's own `at+jwt` tokens never come through here: the grant token check
 * (grants/grant-token.ts) is the only place that accepts them, and only from Tollgate's issuer.
 */
export function checkExplicitType(typ: unknown, pinned: string | undefined, kind: IssuerKind): void {
  if (typ !== undefined && typeof typ !== 'string') throw new IdentityError('wrong_type', 'token "typ" header is not a string');
  if (pinned !== undefined) {
    if (typ === undefined || normalize(typ) !== normalize(pinned)) throw new IdentityError('wrong_type', 'token "typ" is not the type this issuer sets');
    return;
  }
  if (kind === 'signals') return;
  if (typ !== undefined && normalize(typ) !== PLAIN_JWT) throw new IdentityError('wrong_type', 'token "typ" names another kind of JWT');
}
