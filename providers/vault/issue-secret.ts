import { ProviderError, type IssueRequest, type IssuedCredential } from '../provider.ts';
import { TOKEN_TYPE } from '../token-types.ts';
import { abandonable, revokeUnreleased } from './abandon.ts';
import type { DynamicAction, KvAction } from './config.ts';
import { secondsLeft, type VaultDeps } from './deps.ts';
import { providerError } from './errors.ts';
import { formatLease } from './lease-handle.ts';
import type { VaultSecret } from './vault-client.ts';

/**
 * A leased secret (database/creds/ROLE …). The grant's remaining seconds go in `ttl_param` when
 * the engine takes one. A lease that still outlives the grant by more than `max_overrun` (by
 * default, at all) is revoked at once and the issue fails: the caller may ask for a longer TTL.
 * Within `max_overrun` it is handed out with its real expiry, and Tollgate revokes it when the
 * grant expires. The expiry reported is always the lease's own.
 */
export async function issueDynamic(deps: VaultDeps, plan: DynamicAction, req: IssueRequest): Promise<IssuedCredential> {
  const sent = deps.now();
  const ttl = secondsLeft(req.expiresAt, sent);
  const params = plan.ttl_param ? { [plan.ttl_param]: `${ttl}s` } : undefined;
  const secret = await read(deps, plan.path, req, params);
  return handOut(deps, secret, req.grant.id, () => {
    if (!secret.leaseId) throw new ProviderError('misconfigured', `${plan.path} answered without a lease: it is static, use kind: kv`, false);
    if (secret.ttl <= 0) throw new ProviderError('misconfigured', `Vault leased ${plan.path} without an expiry`, false);
    if (secret.ttl - ttl > plan.max_overrun)
      throw new ProviderError(
        'ttl_too_short',
        `Vault leased ${plan.path} for ${secret.ttl} s, which would outlive the grant's ${ttl} s by more than max_overrun (${plan.max_overrun} s): ask for a TTL of at least ${secret.ttl - plan.max_overrun + 1} s${plan.ttl_param ? '' : ", or lower the role's default TTL"}`,
        false,
      );
    return { ...release(deps, plan, secret.data), issuedTokenType: TOKEN_TYPE.secret, expiresAt: sent + secret.ttl * 1000, lease: formatLease({ kind: 'lease', leaseId: secret.leaseId }) };
  });
}

/**
 * A static KV secret. There is no lease to revoke: the grant bounds who may read it and when,
 * and its reported expiry is the grant's.
 */
export async function readKv(deps: VaultDeps, plan: KvAction, req: IssueRequest): Promise<IssuedCredential> {
  const secret = await read(deps, plan.path, req);
  return handOut(deps, secret, req.grant.id, () => {
    if (secret.leaseId) throw new ProviderError('misconfigured', `${plan.path} answered with a lease: it is dynamic, use kind: dynamic`, false);
    const inner = plan.version === 2 ? secret.data.data : secret.data;
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw new ProviderError('misconfigured', `${plan.path} is not a KV v${plan.version} secret`, false);
    return { ...release(deps, plan, inner as Record<string, unknown>), issuedTokenType: TOKEN_TYPE.secret, expiresAt: req.expiresAt, lease: null };
  });
}

/** Builds what is handed out; if anything is wrong with it, the lease (if any) is revoked at once. */
async function handOut(deps: VaultDeps, secret: VaultSecret, grantId: string, build: () => IssuedCredential): Promise<IssuedCredential> {
  try {
    return build();
  } catch (e) {
    await revokeAbandoned(deps, secret, grantId);
    throw e;
  }
}

async function read(deps: VaultDeps, path: string, req: IssueRequest, params?: Record<string, string>): Promise<VaultSecret> {
  const token = deps.token();
  return abandonable(
    req.signal,
    () => deps.client.read(token, path, params),
    (late) => revokeAbandoned(deps, late, req.grant.id),
  ).catch((e: unknown) => {
    throw providerError(e, `reading ${path}`);
  });
}

/**
 * The token and credential handed out. With `field`: that one value, and nothing else of the
 * secret. Without: every field (as strings), the token being their JSON.
 */
function release(deps: VaultDeps, plan: { path: string; field?: string | undefined }, data: Record<string, unknown>): { token: string; credential: Record<string, string> } {
  // A path that echoes Tollgate's own token (a misrouted mount, a proxy) must never hand it out.
  if (JSON.stringify(data).includes(deps.token())) throw new ProviderError('misconfigured', `${plan.path} answered with Tollgate's own Vault token; refusing to hand it out`, false);
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) all[k] = typeof v === 'string' ? v : JSON.stringify(v);
  if (!plan.field) {
    if (Object.keys(all).length === 0) throw new ProviderError('upstream_refused', `${plan.path} holds no fields`, false);
    return { token: JSON.stringify(all), credential: all };
  }
  const value = all[plan.field];
  if (value === undefined) throw new ProviderError('misconfigured', `${plan.path} has no field ${plan.field}`, false);
  return { token: value, credential: { [plan.field]: value } };
}

function revokeAbandoned(deps: VaultDeps, secret: VaultSecret, grantId: string): Promise<void> {
  return secret.leaseId ? revokeUnreleased(deps, { leaseId: secret.leaseId }, secret.ttl, grantId) : Promise.resolve();
}
