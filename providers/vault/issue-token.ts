import { ProviderError, type IssueRequest, type IssuedCredential } from '../provider.ts';
import { TOKEN_TYPE } from '../token-types.ts';
import { abandonable, revokeUnreleased } from './abandon.ts';
import type { TokenAction } from './config.ts';
import { secondsLeft, type VaultDeps } from './deps.ts';
import { providerError } from './errors.ts';
import { formatLease } from './lease-handle.ts';
import type { VaultAuth } from './vault-client.ts';

/**
 * A Vault token with exactly the plan's policies, living no longer than the grant: `ttl` and
 * `explicit_max_ttl` are both the grant's remaining seconds, so renewing cannot stretch it.
 * Without a role it is a child of Tollgate's token and dies with it (revoking Tollgate's token
 * revokes every token handed out under it); a token role decides otherwise, e.g. orphans.
 */
export async function issueToken(deps: VaultDeps, plan: TokenAction, req: IssueRequest): Promise<IssuedCredential> {
  const g = req.grant;
  const sent = deps.now();
  const ttl = secondsLeft(req.expiresAt, sent);
  const meta: Record<string, string> = { grant_id: g.id, task_id: g.task_id, agent: g.agent, owner: g.owner };
  if (g.principal) meta.principal = g.principal;
  const token = deps.token();
  const auth = await abandonable(
    req.signal,
    () =>
      deps.client.createToken(token, {
        policies: plan.policies,
        ...(plan.role ? { role: plan.role } : {}),
        meta,
        displayName: `tollgate-${g.id}`,
        ttl,
        explicitMaxTtl: ttl,
        // "exactly these policies": Vault adds `default` unless told not to (or unless it is asked for)
        noDefaultPolicy: !plan.policies.includes('default'),
        ...(plan.renewable === false ? { renewable: false as const } : {}),
      }),
    (late) => revokeAbandoned(deps, late, g.id),
  ).catch((e: unknown) => {
    throw providerError(e, `creating a Vault token for ${g.resource}`);
  });

  const refusal = overreach(auth, plan, ttl);
  if (refusal) {
    await revokeAbandoned(deps, auth, g.id);
    throw refusal;
  }
  return { token: auth.clientToken, issuedTokenType: TOKEN_TYPE.vaultToken, expiresAt: sent + auth.ttl * 1000, lease: formatLease({ kind: 'accessor', accessor: auth.accessor }) };
}

/** Why a token Vault made must not be handed out: more policies or a longer life than asked, or no way to revoke it. */
function overreach(auth: VaultAuth, plan: TokenAction, ttl: number): ProviderError | null {
  if (!auth.accessor)
    return new ProviderError('misconfigured', `Vault made a batch token (no accessor), which cannot be revoked; use a service-token role${plan.role ? ` instead of ${plan.role}` : ''}`, false);
  const allowed = new Set(plan.policies);
  const extra = [...new Set([...auth.policies, ...auth.identityPolicies])].filter((p) => !allowed.has(p));
  if (extra.length)
    return new ProviderError('misconfigured', `Vault gave the token policies the resource does not name (${extra.join(', ')}): identity policies of Tollgate's entity, or the token role's`, false);
  if (auth.ttl <= 0 || auth.ttl > ttl) return new ProviderError('misconfigured', `Vault gave the token a TTL of ${auth.ttl || 'infinite'}s, longer than the grant's ${ttl}s`, false);
  return null;
}

function revokeAbandoned(deps: VaultDeps, auth: VaultAuth, grantId: string): Promise<void> {
  return auth.accessor ? revokeUnreleased(deps, { accessor: auth.accessor }, auth.ttl, grantId) : Promise.resolve();
}
