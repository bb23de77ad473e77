import { Agent } from 'node:https';
import nodeVault from 'node-vault';
import { authOf, createTokenBody, num, record, str, strings } from './vault-answer.ts';
import { VaultCallError, type CreateTokenRequest, type VaultAuth, type VaultClient, type VaultLogin, type VaultSecret, type VaultTokenInfo } from './vault-client.ts';

export interface NodeVaultOptions {
  address: string;
  namespace?: string;
  timeoutMs: number;
}

type Driver = nodeVault.client;

/**
 * VaultClient on node-vault. node-vault stores the token of any login, token creation or
 * renewal answer in the instance that made the call (`tokenSource` commands), so those run on a
 * fresh instance that is dropped afterwards; the long-lived instance only runs commands that
 * never touch its token. No instance holds a token at all: every call sends the one it acts
 * with in its own X-Vault-Token header.
 */
export class NodeVaultClient implements VaultClient {
  private readonly opts: NodeVaultOptions;
  // One agent for every instance: connections are reused, TLS is always verified (node-vault
  // would otherwise turn verification off when VAULT_SKIP_VERIFY is set in the environment).
  private readonly httpsAgent = new Agent({ keepAlive: true, rejectUnauthorized: true });
  private readonly driver: Driver;

  constructor(opts: NodeVaultOptions) {
    this.opts = opts;
    this.driver = this.newDriver();
  }

  async login(login: VaultLogin): Promise<VaultAuth> {
    const body =
      login.method === 'approle'
        ? await call('login', () => this.newDriver().approleLogin({ mount_point: login.mount, role_id: login.roleId, secret_id: login.secretId }))
        : await call('login', () => this.newDriver().jwtLogin({ mount_point: login.mount, role: login.role, jwt: login.jwt }));
    return authOf('login', body);
  }

  async lookupSelf(token: string): Promise<VaultTokenInfo> {
    const body = await call('lookup-self', () => this.driver.tokenLookupSelf(as(token)));
    const data = record(record(body).data);
    return { accessor: str(data.accessor), ttl: num(data.ttl), renewable: data.renewable === true };
  }

  async renewSelf(token: string): Promise<VaultAuth> {
    return authOf('renew-self', await call('renew-self', () => this.newDriver().tokenRenewSelf(as(token))));
  }

  async createToken(token: string, req: CreateTokenRequest): Promise<VaultAuth> {
    const args = { ...createTokenBody(req), ...as(token) };
    const driver = this.newDriver();
    const body = await call('create token', () => (req.role ? driver.tokenCreateRole({ role_name: req.role, ...args }) : driver.tokenCreate(args)));
    return authOf('create token', body);
  }

  async revokeAccessor(token: string, accessor: string): Promise<void> {
    await call('revoke-accessor', () => this.driver.tokenRevokeAccessor({ accessor, ...as(token) }));
  }

  async read(token: string, path: string, params?: Record<string, string>): Promise<VaultSecret> {
    const query = params && Object.keys(params).length ? '?' + new URLSearchParams(params).toString() : '';
    const body = record(await call(`read ${path}`, () => this.driver.read(path + query, as(token).requestOptions)));
    return { leaseId: str(body.lease_id), ttl: num(body.lease_duration), renewable: body.renewable === true, data: record(body.data) };
  }

  async revokeLease(token: string, leaseId: string): Promise<void> {
    await call('revoke lease', () => this.driver.revoke({ lease_id: leaseId, ...as(token) }));
  }

  private newDriver(): Driver {
    const d = nodeVault({
      endpoint: this.opts.address,
      // node-vault's debug output prints request bodies (secret_id, jwt): keep it off
      debug: () => undefined,
      requestOptions: { timeout: this.opts.timeoutMs, httpsAgent: this.httpsAgent },
    });
    // node-vault falls back to VAULT_TOKEN, VAULT_NAMESPACE and VAULT_PREFIX from the
    // environment; Tollgate's config is the only source of truth.
    d.token = '';
    const loose = d as unknown as { namespace: string; pathPrefix: string };
    loose.namespace = this.opts.namespace ?? '';
    loose.pathPrefix = '';
    return d;
  }
}

/** The per-call option that makes node-vault send `token`, whatever its instance holds. */
function as(token: string): { requestOptions: { headers: Record<string, string> } } {
  return { requestOptions: { headers: { 'X-Vault-Token': token } } };
}

// node-vault's boundary: what it rejects with is untyped.
async function call(op: string, run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (e) {
    throw callError(op, e);
  }
}

function callError(op: string, e: unknown): VaultCallError {
  const err = (e ?? {}) as { response?: { statusCode?: unknown; body?: unknown }; isAxiosError?: boolean; code?: unknown };
  if (typeof err.response?.statusCode === 'number') {
    const errors = record(err.response.body).errors;
    const list = Array.isArray(errors) ? errors.filter((x): x is string => typeof x === 'string') : [];
    return new VaultCallError(`${op}: Vault answered HTTP ${err.response.statusCode}`, err.response.statusCode, list);
  }
  // Only the error code: an axios error also carries the request, headers (the token) included.
  if (err.isAxiosError) return new VaultCallError(`${op}: no answer from Vault (${typeof err.code === 'string' ? err.code : 'network error'})`, null);
  return new VaultCallError(`${op}: the request was not sent (invalid arguments)`, 0);
}
