import type { Deps } from '../deps.ts';
import { bearerToken, verifyOrNull } from '../identity/bearer-auth.ts';
import { constantTimeEqual, sha256Hex } from '../lib/digest.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { BoundedCache } from '../gateway/bounded-cache.ts';

/** Gateway keys look like this, so they are never mistaken for (or tried as) JWTs or admin keys. */
export const GATEWAY_KEY_PREFIX = 'tgw_';

const VERIFIED_TOKENS = 1024;

export type GatewayAuthenticator = (req: Request) => Promise<string>;

/**
 * Gateways present a JWT from an issuer of kind `gateway`, or a key whose SHA-256 is in
 * `trust.gateway_key_hashes`. Returns who it was, for audit: the workload id, or
 * `gateway-key:` and the first 12 hex digits of the key's hash (which key, never the key).
 *
 * A gateway calls on every tool call with the same credential, so what verified is remembered: a
 * JWT until it expires (this saves the signature check), a key as long as the process lives
 * (this saves a SHA-256 on the Web Crypto thread pool, a tenth of a call's cost). Only keys that
 * verified are remembered, at most as many as are configured; any other key is hashed and
 * compared in constant time. Looking a presented key up in a Map compares it only with a
 * remembered key of the same (per-process seeded) hash, which tells a guesser nothing usable.
 */
export function gatewayAuthenticator(deps: Deps): GatewayAuthenticator {
  const verified = new BoundedCache<string>(VERIFIED_TOKENS);
  const hashes = deps.config.trust.gateway_key_hashes;
  const knownKeys = new Map<string, string>();
  return async (req) => {
    const token = bearerToken(req);
    if (!token) throw new OAuthError('invalid_client', 'gateway bearer credentials required');
    if (token.startsWith(GATEWAY_KEY_PREFIX)) {
      const known = knownKeys.get(token);
      if (known) return known;
      const digest = await sha256Hex(token);
      let ok = 0;
      for (const h of hashes) ok |= constantTimeEqual(digest, h) ? 1 : 0;
      if (ok === 1) {
        const who = `gateway-key:${digest.slice(0, 12)}`;
        if (knownKeys.size < hashes.length) knownKeys.set(token, who);
        return who;
      }
      throw new OAuthError('invalid_client', 'invalid gateway credentials');
    }
    const now = deps.now();
    const known = verified.get(token, now);
    if (known) return known;
    const who = await verifyOrNull(deps, token, ['gateway']);
    if (!who) throw new OAuthError('invalid_client', 'invalid gateway credentials');
    verified.set(token, who.agentId, who.expiresAt);
    return who.agentId;
  };
}
