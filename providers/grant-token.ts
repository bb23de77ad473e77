import type { Keyring } from '../src/keys/keyring.ts';
import { signGrantToken } from '../src/grants/grant-token.ts';
import type { IssueRequest, IssuedCredential, Provider } from './provider.ts';
import { TOKEN_TYPE } from './token-types.ts';

/**
 * Tollgate's own signed grant token (RFC 9068 profile). It is also the handle every other
 * provider's grants are given by default, so a gateway can redeem it per tool call.
 * Nothing to revoke upstream: the grant's status is the truth, which introspection reports.
 */
export class GrantTokenProvider implements Provider {
  readonly type = 'grant-token';
  readonly upstreamTokenTypes = [] as const;
  readonly name: string;
  private readonly keyring: Keyring;
  private readonly issuer: string;
  private readonly defaultAudience: string;

  constructor(opts: { name: string; keyring: Keyring; issuer: string; defaultAudience: string }) {
    this.name = opts.name;
    this.keyring = opts.keyring;
    this.issuer = opts.issuer;
    this.defaultAudience = opts.defaultAudience;
  }

  async issue(req: IssueRequest): Promise<IssuedCredential> {
    const audience = req.resource.audience ?? this.defaultAudience;
    const token = await signGrantToken(this.keyring, this.issuer, audience, req.grant, req.expiresAt);
    return { token, issuedTokenType: TOKEN_TYPE.jwt, expiresAt: req.expiresAt, lease: null };
  }
}
