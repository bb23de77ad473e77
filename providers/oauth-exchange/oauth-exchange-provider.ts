import * as oauth from 'oauth4webapi';
import type { ResourceConfig } from '../../src/config/schema.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { Logger } from '../../src/log.ts';
import { ProviderError, type IssueRequest, type IssuedCredential, type Provider } from '../provider.ts';
import { TOKEN_TYPE } from '../token-types.ts';
import { checkResourceSettings, targetFor, type UpstreamTarget } from './action-settings.ts';
import { resolveAuthorizationServer } from './authorization-server.ts';
import type { OAuthExchangeConfig } from './config.ts';
import { openLease, sealLease } from './lease.ts';
import { isLoopbackHttp } from './loopback.ts';
import { upstreamError } from './upstream-error.ts';

export interface OAuthExchangeOptions {
  name: string;
  config: OAuthExchangeConfig;
  clientAuth: oauth.ClientAuth;
  sealKey: CryptoKey | null;
  log: Logger;
  now: () => number;
  fetch?: typeof fetch;
}

/**
 * Access tokens from an OAuth 2.0 authorization server. In delegation mode the human's own token
 * is exchanged (RFC 8693), so the upstream token is the human's, limited to the resource's
 * scope and audience; in client_credentials mode it is Tollgate's client's own.
 */
export class OAuthExchangeProvider implements Provider {
  readonly type = 'oauth-exchange';
  readonly upstreamTokenTypes = [TOKEN_TYPE.accessToken] as const;
  readonly name: string;
  readonly needsSubjectToken: boolean;
  /**
   * Set at start when the upstream has a revocation endpoint (RFC 7009) and a seal key can keep
   * the token for it (see lease.ts). Absent otherwise: the credential then lives to its expiry,
   * and revocation receipts say so.
   */
  revoke?: (lease: string | null, grant: Grant) => Promise<void>;
  readonly #o: OAuthExchangeOptions;
  readonly #client: oauth.Client;
  /** what the upstream could echo back into an error message */
  readonly #secrets: string[];
  #as: oauth.AuthorizationServer | null = null;

  constructor(o: OAuthExchangeOptions) {
    this.name = o.name;
    this.needsSubjectToken = o.config.mode === 'delegation';
    this.#o = o;
    this.#client = { client_id: o.config.client_id };
    const auth = o.config.client_auth;
    this.#secrets = auth.method === 'private_key_jwt' ? [auth.private_jwk] : auth.method === 'none' ? [] : [auth.secret];
  }

  checkResource(resource: ResourceConfig): void {
    checkResourceSettings(resource);
  }

  async start(): Promise<void> {
    const as = await resolveAuthorizationServer(this.#o.config, this.#o.fetch);
    this.#as = as;
    if (as.revocation_endpoint && this.#o.sealKey) this.revoke = (lease, grant) => this.#revoke(lease, grant);
    this.#o.log.log('info', 'oauth-exchange upstream ready', { provider: this.name, token_endpoint: as.token_endpoint, revocable: Boolean(this.revoke) });
  }

  async issue(req: IssueRequest): Promise<IssuedCredential> {
    const as = this.#ready();
    const target = targetFor(req.resource, req.actions);
    const { grantType, params } = this.#grantRequest(req, target);
    const call = grantType === TOKEN_EXCHANGE_GRANT ? 'token exchange' : 'client credentials grant';
    // The token lives from when the upstream issued it, which is after this: counting from here
    // reports an expiry no later than the real one.
    const started = this.#o.now();
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(this.#o.config.timeout * 1000)]);
    let answer: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.genericTokenEndpointRequest(as, this.#client, this.#o.clientAuth, grantType, params, this.#http(as.token_endpoint!, signal));
      answer = await oauth.processGenericTokenEndpointResponse(as, this.#client, response);
    } catch (e) {
      throw upstreamError(e, call, [...this.#secrets, req.subjectToken]);
    }
    await this.#refuseWiderScope(answer, target, req.grant);
    const lease = this.revoke && this.#o.sealKey ? await sealLease(this.#o.sealKey, this.name, req.grant.id, answer.access_token) : null;
    return { token: answer.access_token, issuedTokenType: TOKEN_TYPE.accessToken, expiresAt: this.#expiry(answer.expires_in, started, req), lease };
  }

  #grantRequest(req: IssueRequest, target: UpstreamTarget): { grantType: string; params: URLSearchParams } {
    const params = new URLSearchParams();
    if (target.scope) params.set('scope', target.scope);
    if (target.audience) params.set('audience', target.audience);
    if (target.resource) params.set('resource', target.resource);
    if (this.#o.config.mode === 'client_credentials') return { grantType: 'client_credentials', params };
    if (req.subjectToken === null)
      throw new ProviderError(
        'misconfigured',
        `provider ${this.name} (mode delegation) exchanges the human's own token, and this exchange carries none: the agent acts on its own, or in a chain that started from a Tollgate token, whose human token Tollgate never saw. Grant resource ${req.resource.id} only when context.delegated, and to the agent that presents the human's token; or use mode client_credentials`,
        false,
      );
    params.set('subject_token', req.subjectToken);
    params.set('subject_token_type', this.#o.config.subject_token_type);
    params.set('requested_token_type', TOKEN_TYPE.accessToken);
    return { grantType: TOKEN_EXCHANGE_GRANT, params };
  }

  /** A token wider than asked is not a down-scoped credential: take it back and refuse. */
  async #refuseWiderScope(answer: oauth.TokenEndpointResponse, target: UpstreamTarget, grant: Grant): Promise<void> {
    if (!target.scope || answer.scope === undefined) return;
    const asked = new Set(target.scope.split(' '));
    const extra = answer.scope.split(' ').filter((s) => s && !asked.has(s));
    if (extra.length === 0) return;
    if (this.#as?.revocation_endpoint) await this.#revokeToken(answer.access_token).catch(() => undefined);
    this.#o.log.log('warn', 'upstream granted more scope than asked; refused', { provider: this.name, grant_id: grant.id, extra_scope: extra.join(' ') });
    throw new ProviderError('upstream_refused', `the upstream granted scope beyond what was asked (${extra.join(' ')}); the token was refused`, false);
  }

  /**
   * The upstream's own expiry. An access token cannot be shortened after the fact and OAuth has
   * no standard parameter to ask for a shorter one, so a token that outlives the grant is
   * reported as it is (and logged); revoking the grant still revokes it upstream.
   */
  #expiry(expiresIn: number | undefined, started: number, req: IssueRequest): number {
    if (expiresIn === undefined) {
      this.#o.log.log('warn', 'upstream gave no expires_in; assuming the grant expiry', { provider: this.name, grant_id: req.grant.id });
      return req.expiresAt;
    }
    const expiresAt = started + expiresIn * 1000;
    if (expiresAt > req.expiresAt)
      this.#o.log.log('warn', 'upstream token outlives its grant', { provider: this.name, grant_id: req.grant.id, outlives_by_s: Math.ceil((expiresAt - req.expiresAt) / 1000) });
    return expiresAt;
  }

  async #revoke(lease: string | null, grant: Grant): Promise<void> {
    if (lease === null || !this.#o.sealKey) return;
    const token = await openLease(this.#o.sealKey, this.name, grant.id, lease);
    if (token !== null) await this.#revokeToken(token);
  }

  /** RFC 7009: an unknown, expired or already revoked token answers 200, so this is idempotent. */
  async #revokeToken(token: string): Promise<void> {
    const as = this.#ready();
    const signal = AbortSignal.timeout(this.#o.config.timeout * 1000);
    try {
      const response = await oauth.revocationRequest(as, this.#client, this.#o.clientAuth, token, {
        ...this.#http(as.revocation_endpoint!, signal),
        additionalParameters: { token_type_hint: 'access_token' },
      });
      await oauth.processRevocationResponse(response);
    } catch (e) {
      throw upstreamError(e, 'revocation', [...this.#secrets, token]);
    }
  }

  #http(endpoint: string, signal: AbortSignal) {
    return {
      signal,
      // Only loopback may be plain http (config and metadata were checked for it at start).
      [oauth.allowInsecureRequests]: isLoopbackHttp(new URL(endpoint)),
      ...(this.#o.fetch ? { [oauth.customFetch]: this.#o.fetch } : {}),
    };
  }

  #ready(): oauth.AuthorizationServer {
    if (!this.#as) throw new ProviderError('misconfigured', `provider ${this.name} was not started`, false);
    return this.#as;
  }
}
