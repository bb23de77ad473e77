import * as oauth from 'oauth4webapi';
import type { Deps } from '../../deps.ts';
import { IdentityError } from '../../identity/identity-error.ts';
import type { VerifiedToken } from '../../identity/trust-registry.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { isLoopbackHttp } from '../../lib/loopback.ts';
import { issuerBase, type LoginState } from '../session.ts';

type OidcConfig = NonNullable<Deps['config']['console']['oidc']>;

/** Discovery is cached this long per process or isolate: the provider's endpoints rarely move. */
const METADATA_TTL_MS = 3_600_000;
const TIMEOUT_MS = 5_000;
const discovered = new WeakMap<Deps, { as: oauth.AuthorizationServer; at: number }>();

export const CALLBACK_PATH = '/console/callback';

/** The trusted issuer entry the console signs people in with. */
function issuerOf(deps: Deps, cfg: OidcConfig) {
  const t = deps.config.trust.issuers.find((i) => i.name === cfg.issuer);
  if (!t) throw new OAuthError('server_error', 'console.oidc.issuer names no trusted issuer');
  return t;
}

const options = (url: URL) => ({ signal: AbortSignal.timeout(TIMEOUT_MS), [oauth.allowInsecureRequests]: isLoopbackHttp(url) });

/** OpenID Connect Discovery of the sign-in issuer; plain http only on loopback (lib/loopback.ts). */
async function authorizationServer(deps: Deps, cfg: OidcConfig): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(deps);
  if (hit && deps.now() - hit.at < METADATA_TTL_MS) return hit.as;
  const issuer = new URL(issuerOf(deps, cfg).issuer);
  let as: oauth.AuthorizationServer;
  try {
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options(issuer) }));
  } catch (e) {
    throw new OAuthError('temporarily_unavailable', 'the identity provider could not be reached (OpenID Connect Discovery)', {}, e);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    const url = URL.parse(as[field] ?? '');
    if (!url || !(url.protocol === 'https:' || isLoopbackHttp(url))) throw new OAuthError('server_error', `the identity provider's ${field} is missing or not https`);
  }
  if (as.code_challenge_methods_supported && !as.code_challenge_methods_supported.includes('S256')) throw new OAuthError('server_error', 'the identity provider does not support PKCE (S256)');
  discovered.set(deps, { as, at: deps.now() });
  return as;
}

const redirectUri = (deps: Deps) => `${issuerBase(deps)}${CALLBACK_PATH}`;

/** Where to send the browser: the authorization request, with a fresh state, nonce and PKCE challenge (kept in the login cookie). */
export async function startSignIn(deps: Deps, cfg: OidcConfig, csrf: string): Promise<{ location: string; state: LoginState }> {
  const as = await authorizationServer(deps, cfg);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  const params = {
    client_id: cfg.client_id,
    redirect_uri: redirectUri(deps),
    response_type: 'code',
    scope: cfg.scopes.join(' '),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { location: url.href, state: { csrf, state, nonce, verifier } };
}

/**
 * The callback: check the response against the state this browser holds, redeem the code with
 * the PKCE verifier, check the ID token's nonce (oauth4webapi), then verify the ID token once
 * more as Tollgate verifies every identity token: signature by the configured issuer's keys,
 * audience, explicit type, subject rules, vouched claims (trust registry). Only then is it a person.
 */
export async function finishSignIn(deps: Deps, cfg: OidcConfig, search: string, login: LoginState): Promise<VerifiedToken> {
  if (!login.state || !login.nonce || !login.verifier) throw new OAuthError('invalid_request', 'no sign-in in progress in this browser: start again');
  const as = await authorizationServer(deps, cfg);
  const client: oauth.Client = { client_id: cfg.client_id };
  const auth = cfg.client_secret === undefined ? oauth.None() : oauth.ClientSecretBasic(cfg.client_secret);
  let idToken: string;
  try {
    const params = oauth.validateAuthResponse(as, client, new URL(`${redirectUri(deps)}${search}`), login.state);
    const tokenUrl = new URL(as.token_endpoint!);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri(deps), login.verifier, options(tokenUrl));
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: login.nonce, requireIdToken: true });
    idToken = result.id_token!;
  } catch (e) {
    if (e instanceof oauth.AuthorizationResponseError || e instanceof oauth.ResponseBodyError) {
      throw new OAuthError('access_denied', `the identity provider refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description.slice(0, 200)})` : ''}`);
    }
    if (e instanceof oauth.OperationProcessingError) throw new OAuthError('access_denied', `the sign-in response was not acceptable: ${e.message}`);
    throw new OAuthError('temporarily_unavailable', 'the identity provider could not be reached', {}, e);
  }
  const expected = issuerOf(deps, cfg);
  let t: VerifiedToken;
  try {
    t = await deps.trust.verify(idToken, [expected.kind]);
  } catch (e) {
    if (e instanceof IdentityError) throw new OAuthError(e.temporary ? 'temporarily_unavailable' : 'access_denied', `the ID token did not verify: ${e.message}`);
    throw e;
  }
  if (t.issuerName !== expected.name) throw new OAuthError('access_denied', 'the ID token was verified by another issuer entry');
  return t;
}
