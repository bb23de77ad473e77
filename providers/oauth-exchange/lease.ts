import { isSealed, seal, unseal } from '../../src/keys/seal.ts';
import { ProviderError } from '../provider.ts';

// RFC 7009 revocation needs the access token itself, and Tollgate keeps a grant's lease in its
// database (and shows it in the grant inventory). So the lease is the token sealed with the seal
// key (AES-256-GCM), never the token in clear. The sealing binds provider and grant (AAD): a
// lease copied onto another grant or provider does not open.
const context = (provider: string, grantId: string) => `oauth-exchange:${provider}:${grantId}`;

export function sealLease(key: CryptoKey, provider: string, grantId: string, token: string): Promise<string> {
  return seal(key, context(provider, grantId), token);
}

/** The token behind a lease; null when the lease is not one of ours (then there is nothing to name upstream). */
export async function openLease(key: CryptoKey, provider: string, grantId: string, lease: string): Promise<string | null> {
  if (!isSealed(lease)) return null;
  try {
    return await unseal(key, context(provider, grantId), lease);
  } catch {
    // Not "already gone": the token may still be live, so the revocation job must keep failing visibly.
    throw new ProviderError('misconfigured', 'the lease does not open with the seal key for this grant (was signing.seal_key changed?)', false);
  }
}
