import * as oauth from 'oauth4webapi';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { ProviderError } from '../provider.ts';
import type { OAuthExchangeConfig } from './config.ts';
import { ENDPOINT_RULE, isAllowedEndpoint, isLoopbackHttp } from './loopback.ts';

/**
 * The upstream's metadata, at start: discovered from `issuer` (RFC 8414, falling back to OpenID
 * Connect Discovery), or built from the configured endpoints. An upstream that cannot be reached
 * is `upstream_unavailable` (retrying the start can help); one whose metadata is unusable for
 * this configuration is `misconfigured`.
 */
export async function resolveAuthorizationServer(cfg: OAuthExchangeConfig, fetchFn: typeof fetch | undefined): Promise<oauth.AuthorizationServer> {
  const as: oauth.AuthorizationServer = cfg.issuer
    ? await discover(new URL(cfg.issuer), cfg.timeout * 1000, fetchFn)
    : {
        // oauth4webapi needs an issuer; without discovery it is only the private_key_jwt
        // assertion's audience, where RFC 7523 §3 accepts the token endpoint's URL.
        issuer: cfg.token_endpoint!,
        token_endpoint: cfg.token_endpoint!,
        ...(cfg.revocation_endpoint ? { revocation_endpoint: cfg.revocation_endpoint } : {}),
      };
  checkMetadata(as, cfg);
  return as;
}

async function discover(issuer: URL, timeoutMs: number, fetchFn: typeof fetch | undefined): Promise<oauth.AuthorizationServer> {
  const where = `discovery at ${issuer.href}`;
  let response = await metadataRequest(issuer, 'oauth2', timeoutMs, fetchFn);
  if (response.status === 404) {
    // An OpenID provider may publish only its OpenID configuration.
    await response.body?.cancel();
    response = await metadataRequest(issuer, 'oidc', timeoutMs, fetchFn);
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new ProviderError('upstream_unavailable', `${where}: the upstream answered HTTP ${response.status}`, true);
  }
  const status = response.status;
  try {
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (e) {
    if (e instanceof DOMException) throw new ProviderError('upstream_unavailable', `${where}: the metadata did not arrive in time`, true);
    // oauth4webapi's messages are fixed text naming the bad property; metadata holds no secret.
    throw new ProviderError('misconfigured', `${where}: no usable authorization server metadata (HTTP ${status}: ${e instanceof Error ? e.message : 'invalid'})`, false);
  }
}

async function metadataRequest(issuer: URL, algorithm: 'oauth2' | 'oidc', timeoutMs: number, fetchFn: typeof fetch | undefined): Promise<Response> {
  try {
    return await oauth.discoveryRequest(issuer, {
      algorithm,
      signal: AbortSignal.timeout(timeoutMs),
      [oauth.allowInsecureRequests]: isLoopbackHttp(issuer),
      ...(fetchFn ? { [oauth.customFetch]: fetchFn } : {}),
    });
  } catch (e) {
    const why = e instanceof DOMException ? 'the upstream did not answer in time' : 'the upstream is unreachable';
    throw new ProviderError('upstream_unavailable', `discovery at ${issuer.href}: ${why}`, true);
  }
}

/**
 * Refuses at start what would only fail later, per request: endpoints in clear (an https issuer
 * may not send Tollgate's secrets to plain http, not even on loopback), a grant or a client
 * authentication method the upstream says it lacks.
 */
function checkMetadata(as: oauth.AuthorizationServer, cfg: OAuthExchangeConfig): void {
  const bad = (why: string) => new ProviderError('misconfigured', `upstream metadata: ${why}`, false);
  if (typeof as.token_endpoint !== 'string') throw bad('no token_endpoint');
  const httpsOnly = cfg.issuer !== undefined && !isLoopbackHttp(new URL(cfg.issuer));
  for (const field of ['token_endpoint', 'revocation_endpoint'] as const) {
    const url = as[field];
    if (url === undefined) continue;
    if (!isAllowedEndpoint(url)) throw bad(`${field} ${ENDPOINT_RULE}`);
    if (httpsOnly && !url.startsWith('https:')) throw bad(`${field} must be https, as the issuer is`);
  }
  const grant = cfg.mode === 'delegation' ? TOKEN_EXCHANGE_GRANT : 'client_credentials';
  if (as.grant_types_supported && !as.grant_types_supported.includes(grant)) throw bad(`grant_types_supported does not list ${grant} (mode ${cfg.mode})`);
  const methods = as.token_endpoint_auth_methods_supported;
  if (methods && !methods.includes(cfg.client_auth.method)) throw bad(`token_endpoint_auth_methods_supported does not list ${cfg.client_auth.method}`);
}
