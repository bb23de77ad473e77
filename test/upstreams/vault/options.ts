// What the local Vault is set up with: the mounts, roles and secrets a test needs.
import type { KeyObject } from 'node:crypto';

/** auth/token/roles/NAME (api-docs/auth/token#create-update-token-role), the fields used. */
export interface TokenRole {
  /** when set, tokens of this role may carry any subset of these, whatever the caller holds */
  allowed_policies?: string[];
  orphan?: boolean;
  token_type?: 'service' | 'batch';
  /** seconds */
  token_explicit_max_ttl?: number;
}

/** auth/approle/role/NAME with its role_id and one secret_id. TTLs in seconds. */
export interface AppRole {
  role_id: string;
  secret_id: string;
  policies: string[];
  token_ttl: number;
  token_max_ttl?: number;
  /** policies of the entity the login maps to: they reach every child token too, as in Vault */
  entity_policies?: string[];
}

/** auth/jwt/role/NAME: tokens are verified with `key` and must carry one of `bound_audiences`. */
export interface JwtRole {
  key: CryptoKey | KeyObject | Uint8Array;
  bound_audiences: string[];
  policies: string[];
  token_ttl: number;
  token_max_ttl?: number;
}

export interface FakeVaultOptions {
  /** when set, every call but sys/health must carry this X-Vault-Namespace */
  namespace?: string;
  now?: () => number;
  /** the system max lease TTL, seconds (Vault's default: 32 days) */
  maxLeaseTtl?: number;
  /** policy name → paths it allows (exact, or prefix*) */
  acl?: Record<string, string[]>;
  tokenRoles?: Record<string, TokenRole>;
  /** mount → role name → role */
  approle?: Record<string, Record<string, AppRole>>;
  jwt?: Record<string, Record<string, JwtRole>>;
  /** database/creds/ROLE: the role's default TTL in seconds */
  database?: Record<string, { ttl: number }>;
  /** aws/creds/ROLE: the role's default TTL; a `ttl` parameter asks for less */
  aws?: Record<string, { ttl: number }>;
  /** KV v2 mounted at secret/: NAME → fields */
  kv?: Record<string, Record<string, unknown>>;
  /** KV v1 mounted at kv/: NAME → fields */
  kvV1?: Record<string, Record<string, unknown>>;
  sealed?: boolean;
}
