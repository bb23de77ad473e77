import { VaultCallError, type CreateTokenRequest, type VaultAuth } from './vault-client.ts';

// Reading Vault's JSON answers, shared by both clients (node-vault on Node, fetch on Workers):
// a missing or mistyped field reads as empty, never as a thrown TypeError mid-issue.

/** The body of Vault's token create call (durations as strings, as node-vault's schema wants too). */
export function createTokenBody(req: CreateTokenRequest) {
  return {
    policies: req.policies,
    meta: req.meta,
    display_name: req.displayName,
    ttl: `${req.ttl}s`,
    explicit_max_ttl: `${req.explicitMaxTtl}s`,
    no_default_policy: req.noDefaultPolicy,
    ...(req.renewable === false ? { renewable: false } : {}),
  };
}

export function authOf(op: string, body: unknown): VaultAuth {
  const auth = record(record(body).auth);
  const clientToken = str(auth.client_token);
  if (!clientToken) throw new VaultCallError(`${op}: Vault's answer has no auth block`, 502);
  return {
    clientToken,
    accessor: str(auth.accessor),
    policies: strings(auth.policies),
    identityPolicies: strings(auth.identity_policies),
    ttl: num(auth.lease_duration),
    renewable: auth.renewable === true,
  };
}

export function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
