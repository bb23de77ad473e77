import type { ResourceConfig } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import type { ActionClass } from '../model/action-class.ts';
import { fingerprint } from '../grants/fingerprint.ts';
import { randomToken, type Grant } from '../model/grant.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { ProviderError, type IssuedCredential, type Provider } from '../../providers/provider.ts';

const ISSUE_TIMEOUT_MS = 10_000;

/** An upstream credential for one action of one grant, as the gateway injects it. */
export interface CallCredential {
  issued: IssuedCredential;
  /** epoch ms: the credential's own expiry, never past the grant's */
  expiresAt: number;
  fingerprint: string;
}

/**
 * Mints the upstream credential for `action` under `grant`. Record, then issue: when the provider
 * can revoke what it issues, a call lease is recorded on the grant before the provider is called
 * and completed with the real handle after, so revoking the grant revokes the credential too. A
 * crash in between leaves a lease without a handle; revoking or expiring the grant still queues a
 * job for it, and the credential never outlives the grant by more than the upstream's minimum.
 * A provider that cannot revoke (static secrets, Tollgate's own tokens, STS without emergency
 * deny) gets no lease: there would be nothing to do with it.
 */
export async function issueCallCredential(deps: Deps, grant: Grant, resource: ResourceConfig, provider: Provider, action: ActionClass, requestId: string): Promise<CallCredential> {
  const leaseId = provider.revoke ? 'cl_' + randomToken(12) : null;
  const base = { request_id: requestId, actions: [action] };
  if (leaseId) {
    const recorded = await deps.store.beginCallLease(
      { id: leaseId, grant_id: grant.id, provider: provider.name, action, created_at: deps.now() },
      draft('credential.issuing', deps.now(), { ...base, detail: { call_lease: leaseId, provider: provider.name } }),
    );
    if (!recorded) throw new OAuthError('invalid_grant', 'the grant is not active');
  }

  const issued = await callProvider(deps, provider, { grant, resource, action });
  const fp = await fingerprint(issued.token);
  const expiresAt = Math.min(grant.expires_at, issued.expiresAt);
  if (leaseId) {
    const now = deps.now();
    const kept = await deps.store.completeCallLease(
      leaseId,
      { lease: issued.lease, fingerprint: fp, expires_at: issued.expiresAt },
      draft('credential.leased', now, { ...base, detail: { call_lease: leaseId, fingerprint: fp, expires_at: issued.expiresAt, lease: issued.lease !== null } }),
    ).catch(async (e: unknown) => {
      // Not recorded: the lease has no handle, so revoke what we hold now rather than wait for the grant to end.
      await provider.revoke!(issued.lease, grant).catch(() => undefined);
      throw e;
    });
    if (!kept) throw new OAuthError('invalid_grant', 'the grant was revoked while its credential was being issued');
  }
  return { issued, expiresAt, fingerprint: fp };
}

async function callProvider(deps: Deps, provider: Provider, req: { grant: Grant; resource: ResourceConfig; action: ActionClass }): Promise<IssuedCredential> {
  // Cleared as soon as the provider answers, so no timer outlives the call.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException('provider call timed out', 'TimeoutError')), ISSUE_TIMEOUT_MS);
  try {
    return await provider.issue({ grant: req.grant, resource: req.resource, actions: [req.action], expiresAt: req.grant.expires_at, signal: abort.signal, subjectToken: null });
  } catch (e) {
    // Anything but a ProviderError may quote a request (headers, tokens): only its type is logged.
    const pe = e instanceof ProviderError ? e : new ProviderError('upstream_unavailable', `provider call failed (${e instanceof Error ? e.name : typeof e})`, true);
    deps.log.log('warn', 'provider issue failed for a gateway call', { grant_id: req.grant.id, provider: provider.name, code: pe.code, error: pe.message });
    if (pe.retryable) throw new OAuthError('temporarily_unavailable', 'upstream unavailable; nothing was issued', {}, pe);
    throw new OAuthError('server_error', 'upstream refused to issue; nothing was issued', {}, pe);
  } finally {
    clearTimeout(timer);
  }
}
