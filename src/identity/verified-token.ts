import type { JWTPayload } from 'jose';
import type { SpiffeId } from './spiffe-id.ts';
import type { VouchedClaims } from './vouched-claims.ts';

export type IssuerKind = 'workload' | 'human' | 'admin' | 'signals' | 'gateway';

/** A token whose signature, issuer, audience, times and subject rules all checked out. */
export interface VerifiedToken {
  /** the `iss` claim (equal to the matched issuer's configured `issuer`) */
  issuer: string;
  /** the configured name of the issuer that verified it */
  issuerName: string;
  kind: IssuerKind;
  /** the `sub` claim ('' only for a `signals` SET that has none) */
  subject: string;
  /** set only when the issuer is configured with `spiffe_trust_domains` and `sub` is in one */
  spiffeId: SpiffeId | null;
  /** the SPIFFE ID when `spiffeId` is set, else `${iss}#${sub}` */
  agentId: string;
  /** epoch milliseconds */
  expiresAt: number;
  claims: JWTPayload;
  /** the email and groups its issuer may vouch for (none unless configured) */
  vouched: VouchedClaims;
}
