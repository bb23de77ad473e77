import { ProviderError } from '../provider.ts';
import { VaultCallError } from './vault-client.ts';

// Vault's answers for an accessor or lease that is already revoked, expired or never existed.
const GONE = /invalid accessor|invalid lease|lease not found|token not found/i;

/** True when a revocation failed only because there was nothing left to revoke. */
export function isGone(e: unknown): boolean {
  if (!(e instanceof VaultCallError)) return false;
  return e.status === 404 || (e.status === 400 && e.vaultErrors.some((m) => GONE.test(m)));
}

/**
 * Maps a failed Vault call to a ProviderError. No answer, 5xx, 429 (rate limited) and 412
 * (a performance standby not caught up yet) can heal: retryable. Any other refusal is
 * permanent. Messages hold the operation and the status, never Vault's body.
 */
export function providerError(e: unknown, what: string): ProviderError {
  if (e instanceof ProviderError) return e;
  if (!(e instanceof VaultCallError)) return new ProviderError('upstream_unavailable', `${what}: unexpected failure talking to Vault`, true);
  const s = e.status;
  if (s === null) return new ProviderError('upstream_unavailable', `${what}: ${e.message}`, true);
  if (s === 0) return new ProviderError('misconfigured', `${what}: ${e.message}`, false);
  if (s >= 500 || s === 429 || s === 412) return new ProviderError('upstream_unavailable', `${what}: Vault answered HTTP ${s}`, true);
  if (s === 403) return new ProviderError('upstream_refused', `${what}: Vault answered HTTP 403 (permission denied: check Tollgate's Vault policies)`, false);
  return new ProviderError('upstream_refused', `${what}: Vault refused (HTTP ${s})`, false);
}
