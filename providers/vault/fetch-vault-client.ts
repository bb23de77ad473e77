import { authOf, createTokenBody, num, record, str } from './vault-answer.ts';
import { VaultCallError, type CreateTokenRequest, type VaultAuth, type VaultClient, type VaultLogin, type VaultSecret, type VaultTokenInfo } from './vault-client.ts';

export interface FetchVaultOptions {
  address: string;
  namespace?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Vault answers are small; anything bigger is not an answer Tollgate asked for. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * VaultClient on the Fetch API, for runtimes without Node's HTTP stack (Workers). It speaks the
 * same few endpoints node-vault does, with the token of each call in its own X-Vault-Token
 * header. Redirects are not followed: a redirect would carry the token to wherever it points.
 */
export class FetchVaultClient implements VaultClient {
  private readonly opts: FetchVaultOptions;
  private readonly base: string;

  constructor(opts: FetchVaultOptions) {
    this.opts = opts;
    this.base = opts.address.replace(/\/+$/, '');
  }

  async login(login: VaultLogin): Promise<VaultAuth> {
    const body = login.method === 'approle' ? { role_id: login.roleId, secret_id: login.secretId } : { role: login.role, jwt: login.jwt };
    return authOf('login', await this.call('login', 'POST', `auth/${login.mount}/login`, null, body));
  }

  async lookupSelf(token: string): Promise<VaultTokenInfo> {
    const data = record(record(await this.call('lookup-self', 'GET', 'auth/token/lookup-self', token)).data);
    return { accessor: str(data.accessor), ttl: num(data.ttl), renewable: data.renewable === true };
  }

  async renewSelf(token: string): Promise<VaultAuth> {
    return authOf('renew-self', await this.call('renew-self', 'POST', 'auth/token/renew-self', token, {}));
  }

  async createToken(token: string, req: CreateTokenRequest): Promise<VaultAuth> {
    const body = createTokenBody(req);
    const path = req.role ? `auth/token/create/${encodeURIComponent(req.role)}` : 'auth/token/create';
    return authOf('create token', await this.call('create token', 'POST', path, token, body));
  }

  async revokeAccessor(token: string, accessor: string): Promise<void> {
    await this.call('revoke-accessor', 'POST', 'auth/token/revoke-accessor', token, { accessor });
  }

  async read(token: string, path: string, params?: Record<string, string>): Promise<VaultSecret> {
    const query = params && Object.keys(params).length ? '?' + new URLSearchParams(params).toString() : '';
    const body = record(await this.call(`read ${path}`, 'GET', path + query, token));
    return { leaseId: str(body.lease_id), ttl: num(body.lease_duration), renewable: body.renewable === true, data: record(body.data) };
  }

  async revokeLease(token: string, leaseId: string): Promise<void> {
    await this.call('revoke lease', 'PUT', 'sys/leases/revoke', token, { lease_id: leaseId });
  }

  private async call(op: string, method: string, path: string, token: string | null, body?: unknown): Promise<unknown> {
    if (path.startsWith('/') || path.includes('..')) throw new VaultCallError(`${op}: the request was not sent (invalid path)`, 0);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers['x-vault-token'] = token;
    if (this.opts.namespace) headers['x-vault-namespace'] = this.opts.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const fetchImpl = this.opts.fetch ?? globalThis.fetch;
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(`${this.base}/v1/${path}`, { method, headers, redirect: 'manual', signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      text = await boundedText(res);
    } catch (e) {
      // Only the error's kind: a network error's message may carry the URL.
      const kind = signal.aborted ? 'timeout' : e instanceof Error ? e.name : 'network error';
      throw new VaultCallError(`${op}: no answer from Vault (${kind})`, null);
    }
    const parsed = parseJson(text);
    if (res.status >= 200 && res.status < 300) return parsed;
    const errors = record(parsed).errors;
    const list = Array.isArray(errors) ? errors.filter((x): x is string => typeof x === 'string') : [];
    throw new VaultCallError(`${op}: Vault answered HTTP ${res.status}`, res.status, list);
  }
}

async function boundedText(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw new Error('answer too large');
  }
  const text = await res.text();
  if (text.length > MAX_ANSWER_BYTES) throw new Error('answer too large');
  return text;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
