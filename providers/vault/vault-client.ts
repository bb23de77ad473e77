// The few Vault HTTP API calls Tollgate makes, behind one narrow interface so that the
// provider never depends on a driver: node-vault serves Node; a fetch-based client can serve
// Workers. Every call names the token it acts with: a client holds none, so nothing can swap
// Tollgate's own token for one it just created.

/** An `auth` block as Vault answers a login, a token creation or a renewal. `ttl` in seconds; 0 = never expires. */
export interface VaultAuth {
  clientToken: string;
  /** empty for batch tokens, which cannot be revoked */
  accessor: string;
  policies: string[];
  identityPolicies: string[];
  ttl: number;
  renewable: boolean;
}

/** What lookup-self tells about the calling token. */
export interface VaultTokenInfo {
  accessor: string;
  ttl: number;
  renewable: boolean;
}

/** A read's answer: a leased secret (leaseId set) or a static one. `ttl` in seconds. */
export interface VaultSecret {
  leaseId: string;
  ttl: number;
  renewable: boolean;
  data: Record<string, unknown>;
}

export type VaultLogin =
  | { method: 'approle'; mount: string; roleId: string; secretId: string }
  | { method: 'jwt'; mount: string; role: string; jwt: string };

export interface CreateTokenRequest {
  policies: string[];
  /** a token role (auth/token/create/ROLE); absent: a child of the calling token */
  role?: string;
  meta: Record<string, string>;
  displayName: string;
  ttl: number;
  explicitMaxTtl: number;
  noDefaultPolicy: boolean;
  renewable?: false;
}

export interface VaultClient {
  login(login: VaultLogin): Promise<VaultAuth>;
  lookupSelf(token: string): Promise<VaultTokenInfo>;
  renewSelf(token: string): Promise<VaultAuth>;
  createToken(token: string, req: CreateTokenRequest): Promise<VaultAuth>;
  /** Revokes the token behind `accessor` and its children. */
  revokeAccessor(token: string, accessor: string): Promise<void>;
  /** GET /v1/PATH; `params` go in the query string (Vault reads them as request data). */
  read(token: string, path: string, params?: Record<string, string>): Promise<VaultSecret>;
  revokeLease(token: string, leaseId: string): Promise<void>;
}

/**
 * A failed call. `status` is Vault's HTTP status; null when no answer came (timeout,
 * connection refused, reset); 0 when the client refused to send the request. `vaultErrors` are Vault's own error strings: used to tell an
 * already-gone accessor from a refusal, never put into messages (they may echo input).
 */
export class VaultCallError extends Error {
  override name = 'VaultCallError';
  readonly status: number | null;
  readonly vaultErrors: readonly string[];
  constructor(message: string, status: number | null, vaultErrors: readonly string[] = []) {
    super(message);
    this.status = status;
    this.vaultErrors = vaultErrors;
  }
}
