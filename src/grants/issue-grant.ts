import type { ResourceConfig } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { ProviderError, type IssuedCredential, type Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { fingerprint } from './fingerprint.ts';
import { matchesFilter } from './revocation-filter.ts';
import type { Grant } from '../model/grant.ts';

const ISSUE_TIMEOUT_MS = 10_000;

export interface ExchangeResponse {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
  grant_id: string;
  task_id: string;
  credential?: Record<string, string>;
}

/**
 * The grant is already recorded as `issuing`. Mint the credential, then compare-and-set the grant
 * to `active` with the credential's real expiry (the store fills each event's grant fields from
 * the grant). If the grant was revoked meanwhile, the fresh credential is revoked at once and
 * nothing is returned. If this process dies in between, the reconciler finds the `issuing` row
 * and revokes whatever the provider may have created.
 */
export async function issueGrant(deps: Deps, grant: Grant, resource: ResourceConfig, provider: Provider, requestId: string, subjectToken: string | null): Promise<ExchangeResponse> {
  let issued: IssuedCredential;
  // A timer cleared as soon as the provider answers: AbortSignal.timeout would keep one alive for
  // the whole timeout after every exchange.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException('provider call timed out', 'TimeoutError')), ISSUE_TIMEOUT_MS);
  try {
    issued = await provider.issue({ grant, resource, actions: grant.actions, expiresAt: grant.expires_at, signal: abort.signal, subjectToken });
  } catch (e) {
    // Anything but a ProviderError is a bug or a library's raw error, whose message may quote a
    // request (headers, tokens): only its type is logged.
    const pe = e instanceof ProviderError ? e : new ProviderError('upstream_unavailable', `provider call failed (${e instanceof Error ? e.name : typeof e})`, true);
    deps.log.log('warn', 'provider issue failed', { grant_id: grant.id, provider: provider.name, code: pe.code, error: pe.message });
    await deps.store
      .transition(grant.id, ['issuing'], 'failed', { status_reason: pe.code }, draft('grant.failed', deps.now(), { request_id: requestId, reason: pe.code }))
      .catch(() => undefined); // the reconciler fails the row if this write does not land
    if (pe.code === 'scope_too_large') throw new OAuthError('invalid_scope', pe.message);
    if (pe.code === 'ttl_too_short') throw new OAuthError('invalid_request', pe.message);
    if (pe.retryable) throw new OAuthError('temporarily_unavailable', 'upstream unavailable; nothing was issued');
    throw new OAuthError('server_error', 'upstream refused to issue; nothing was issued');
  } finally {
    clearTimeout(timer);
  }

  const expiresAt = Math.min(grant.expires_at, issued.expiresAt);
  if (issued.expiresAt > grant.expires_at + 1000) {
    // Recorded as such: the sweeper revokes it when the grant expires, and receipts tell its real end.
    deps.log.log('warn', 'upstream credential outlives its grant', { grant_id: grant.id, provider: provider.name, outlives_by_s: Math.round((issued.expiresAt - grant.expires_at) / 1000) });
  }
  // A grant token names its grant (jti); only an opaque upstream credential needs a fingerprint
  // to be found again (RFC 7009). Skipping the digest saves a crypto round trip per exchange.
  const fp = issued.issuedTokenType === TOKEN_TYPE.jwt && provider.type === 'grant-token' ? null : await fingerprint(issued.token);
  const now = deps.now();
  let active: Grant | null;
  try {
    active = await deps.store.transition(
      grant.id,
      ['issuing'],
      'active',
      { issued_at: now, expires_at: expiresAt, lease: issued.lease, credential_fingerprint: fp, credential_expires_at: issued.expiresAt },
      draft('grant.active', now, { request_id: requestId, decision: 'allow', detail: { ...(fp ? { fingerprint: fp } : {}), expires_at: expiresAt, lease: issued.lease !== null } }),
    );
  } catch {
    // Not activated: leave the row `issuing` for the reconciler, which revokes upstream.
    throw new OAuthError('temporarily_unavailable', 'store unavailable; the credential was not released');
  }
  // Revoked meanwhile: by a batch (the compare-and-set lost), or by a mass revocation recorded
  // whose batches have not reached this row yet (they will; the job revokes upstream then).
  const pending = active ? await deps.store.unfinishedRevocations().catch(() => null) : [];
  if (!active || pending === null || pending.some((r) => matchesFilter(r.filter, active))) {
    if (!active && provider.revoke) await provider.revoke(issued.lease, grant).catch(() => undefined);
    throw new OAuthError(active && pending === null ? 'temporarily_unavailable' : 'access_denied', 'the grant was revoked while it was being issued');
  }

  const isBearer = issued.issuedTokenType === TOKEN_TYPE.jwt || issued.issuedTokenType === TOKEN_TYPE.accessToken;
  const body: ExchangeResponse = {
    access_token: issued.token,
    issued_token_type: issued.issuedTokenType,
    token_type: isBearer ? 'Bearer' : 'N_A',
    // In whole seconds as the token's own exp and iat count them, so expires_in = exp - iat.
    expires_in: Math.max(0, Math.floor(expiresAt / 1000) - Math.floor(now / 1000)),
    scope: grant.scope,
    grant_id: grant.id,
    task_id: grant.task_id,
  };
  if (issued.credential) body.credential = issued.credential;
  return body;
}
