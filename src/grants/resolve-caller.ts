import type { Deps } from '../deps.ts';
import { buildActClaim, actDepth } from '../identity/delegation.ts';
import { IdentityError } from '../identity/identity-error.ts';
import { trustDomainOf } from '../identity/trust-domain.ts';
import type { VerifiedToken } from '../identity/trust-registry.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import type { ActClaim, Grant } from '../model/grant.ts';
import { verifyGrantToken, looksLikeOurs } from './grant-token.ts';
import { liveGrant } from './live-grant.ts';

/** Who is asking, for whom, through which chain — derived only from verified tokens. */
export interface Caller {
  agentId: string;
  /** trust domain of a SPIFFE agent, else the issuer */
  trustDomain: string;
  principal: string | null;
  act: ActClaim | null;
  /** epoch ms: no grant may outlive any input token */
  notAfter: number;
  /** set when the subject was a Tollgate token: the new grant can only narrow it */
  parent: Grant | null;
  /** the human's token as presented, for upstreams that exchange it again (never stored) */
  humanToken: string | null;
  /** the human's email as its issuer vouches for it (identity/vouched-claims.ts), for email subjects of risk signals */
  principalEmail?: string | null;
  /**
   * When the identity tokens presented were issued (epoch ms; 0 when a token has no `iat`): a
   * signal that revoked the agent's or the human's sessions refuses tokens from before it.
   */
  issuedAt?: { agent: number | null; principal: number | null };
}

/**
 * `assertion`: the subject is an RFC 7523 JWT bearer assertion. It must be a workload token of a
 * trusted issuer (never a human's, never a Tollgate token), and a bad one is `invalid_grant`
 * (RFC 7523 §3.1) where token exchange says `invalid_request` (RFC 8693 §2.2.2).
 */
export async function resolveCaller(deps: Deps, subjectToken: string, actorToken: string | null, opts: { assertion?: boolean } = {}): Promise<Caller> {
  if (opts.assertion) {
    const subject = await verifyInput(deps, subjectToken, 'assertion', ['workload'], 'invalid_grant');
    return { agentId: subject.agentId, trustDomain: trustDomainOfToken(subject), principal: null, act: null, notAfter: subject.expiresAt, parent: null, humanToken: null, issuedAt: { agent: issuedAt(subject), principal: null } };
  }
  const now = deps.now();
  const actor = actorToken === null ? null : await verifyInput(deps, actorToken, 'actor_token', ['workload']);

  if (looksLikeOurs(subjectToken, deps.config.server.issuer)) {
    const claims = await verifyGrantToken(deps.keyring, deps.config.server.issuer, subjectToken, now);
    if (!claims) throw new OAuthError('invalid_request', 'subject_token: not a valid Tollgate token');
    const parent = await liveGrant(deps.store, claims.grant_id, now);
    if (!parent) throw new OAuthError('invalid_request', 'subject_token: its grant is not active');
    const notAfter = Math.min(parent.expires_at, claims.exp * 1000, actor?.expiresAt ?? Infinity);
    if (!actor) {
      return { agentId: parent.agent, trustDomain: trustDomainOf(parent.agent), principal: parent.principal, act: parent.act, notAfter, parent, humanToken: null };
    }
    // A new actor takes over: the previous actor (or the agent itself, when it acted alone) moves one level down the chain.
    const previous: ActClaim | null = parent.act ?? (parent.principal ? null : { sub: parent.agent });
    const act = buildActClaim(actor, previous);
    return { agentId: actor.agentId, trustDomain: trustDomainOfToken(actor), principal: parent.principal, act, notAfter, parent, humanToken: null, issuedAt: { agent: issuedAt(actor), principal: null } };
  }

  const subject = await verifyInput(deps, subjectToken, 'subject_token', ['workload', 'human']);
  if (subject.kind === 'human') {
    if (!actor) throw new OAuthError('invalid_request', 'a human subject_token needs the agent as actor_token');
    return {
      agentId: actor.agentId,
      trustDomain: trustDomainOfToken(actor),
      principal: subject.agentId,
      act: buildActClaim(actor, null),
      notAfter: Math.min(subject.expiresAt, actor.expiresAt),
      parent: null,
      humanToken: subjectToken,
      principalEmail: subject.vouched.email,
      issuedAt: { agent: issuedAt(actor), principal: issuedAt(subject) },
    };
  }
  if (actor) throw new OAuthError('invalid_request', 'to delegate between agents, pass the first agent\'s Tollgate token as subject_token');
  return { agentId: subject.agentId, trustDomain: trustDomainOfToken(subject), principal: null, act: null, notAfter: subject.expiresAt, parent: null, humanToken: null, issuedAt: { agent: issuedAt(subject), principal: null } };
}

function issuedAt(t: VerifiedToken): number {
  return typeof t.claims.iat === 'number' ? t.claims.iat * 1000 : 0;
}

export function checkDepth(act: ActClaim | null, max: number): void {
  if (actDepth(act) > max) throw new OAuthError('invalid_request', `delegation chain deeper than ${max}`);
}

async function verifyInput(deps: Deps, token: string, name: string, kinds: ('workload' | 'human')[], refusal: 'invalid_request' | 'invalid_grant' = 'invalid_request'): Promise<VerifiedToken> {
  try {
    return await deps.trust.verify(token, kinds);
  } catch (e) {
    // RFC 8693 §2.2.2: an unacceptable subject or actor token is invalid_request.
    if (e instanceof IdentityError) {
      if (e.code === 'keys_unavailable') throw new OAuthError('temporarily_unavailable', `${name}: issuer keys unavailable`);
      if (e.code === 'token_too_large') throw new OAuthError('payload_too_large', `${name} is too large`);
      // The cause marks it as an identity that did not verify (the address quota counts those).
      throw new OAuthError(refusal, `${name}: ${e.code}`, {}, e);
    }
    throw e;
  }
}

function trustDomainOfToken(t: VerifiedToken): string {
  return t.spiffeId ? t.spiffeId.trustDomain : t.issuer;
}
