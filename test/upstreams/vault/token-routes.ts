// auth/token/* as documented at developer.hashicorp.com/vault/api-docs/auth/token.
import { fail, noContent, ok, seconds, strings, type Handler, type Reply } from './http.ts';
import type { TokenEntry, VaultState } from './state.ts';

const SYSTEM_DEFAULT_TTL = 768 * 3600;

/** The `auth` block of a login, token creation or renewal answer: `ttl` is what was granted. */
export function authBlock(t: TokenEntry, ttl: number): Record<string, unknown> {
  return {
    client_token: t.id,
    accessor: t.accessor,
    policies: [...new Set([...t.policies, ...t.identityPolicies])].sort(),
    token_policies: t.policies,
    identity_policies: t.identityPolicies,
    metadata: t.meta,
    lease_duration: ttl,
    renewable: t.renewable,
    entity_id: '',
    token_type: t.type,
    orphan: t.parent === null,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/** The `data` of lookup-self and lookup-accessor (the latter blanks `id`). */
function lookupData(state: VaultState, t: TokenEntry): Record<string, unknown> {
  return {
    accessor: t.accessor,
    creation_time: Math.floor(t.creationTime / 1000),
    creation_ttl: t.creationTtl,
    display_name: t.displayName,
    entity_id: '',
    expire_time: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
    explicit_max_ttl: t.explicitMaxTtl,
    id: t.id,
    identity_policies: t.identityPolicies,
    issue_time: new Date(t.creationTime).toISOString(),
    meta: t.meta,
    num_uses: 0,
    orphan: t.parent === null,
    path: t.path,
    policies: t.policies,
    renewable: t.renewable,
    ttl: state.ttlOf(t),
    type: t.type,
  };
}

/** POST auth/token/create and auth/token/create/:role_name. */
export const createToken: Handler = ({ state, opts, body, params, token }) => {
  const caller = token!;
  const roleName = params[0];
  const role = roleName ? opts.tokenRoles?.[roleName] : undefined;
  if (roleName && !role) return fail(400, `unknown role ${roleName}`);
  const isRoot = caller.policies.includes('root');
  const asked = strings(body.policies);
  const policies = asked.length ? asked : caller.policies.filter((p) => p !== 'root' || isRoot);
  const within = (allowed: string[]) => policies.every((p) => p === 'default' || allowed.includes(p));
  if (role?.allowed_policies) {
    if (!within(role.allowed_policies)) return fail(400, "token policies must be subset of the role's allowed policies");
  } else if (!isRoot && !within(caller.policies)) return fail(400, 'child policies must be subset of parent');
  if (!role && body.no_parent === true && !isRoot) return fail(400, 'root or sudo privileges required to create orphan token');

  const wanted = seconds(body.ttl) || SYSTEM_DEFAULT_TTL;
  const explicit = [seconds(body.explicit_max_ttl), role?.token_explicit_max_ttl ?? 0].filter((x) => x > 0);
  const ttl = Math.min(wanted, state.maxLeaseTtl, ...explicit);
  const warnings = ttl < wanted ? [`TTL of "${wanted}s" exceeded the effective max_ttl of "${ttl}s"; TTL value is capped accordingly`] : undefined;
  const meta = Object.fromEntries(Object.entries((body.meta ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const t = state.createToken({
    policies: [...new Set(body.no_default_policy === true ? policies.filter((p) => p !== 'default') : [...policies, 'default'])].sort(),
    // a child belongs to its parent's entity, whose policies it carries too
    identityPolicies: caller.identityPolicies,
    meta,
    displayName: 'token' + (typeof body.display_name === 'string' && body.display_name ? '-' + body.display_name.replace(/[^A-Za-z0-9-]/g, '-') : ''),
    path: roleName ? `auth/token/create/${roleName}` : 'auth/token/create',
    parent: (role ? role.orphan : body.no_parent === true) ? null : caller.id,
    type: role?.token_type ?? 'service',
    creationTtl: ttl,
    explicitMaxTtl: explicit.length ? Math.min(...explicit) : 0,
    renewable: body.renewable !== false,
    maxTtl: state.maxLeaseTtl,
  });
  return ok({ auth: authBlock(t, t.creationTtl), ...(warnings ? { warnings } : {}) });
};

/** GET auth/token/lookup-self. */
export const lookupSelf: Handler = ({ state, token }) => ok({ data: lookupData(state, token!) });

/** POST auth/token/renew-self {increment}. */
export const renewSelf: Handler = ({ state, body, token }): Reply => {
  const t = token!;
  const renewed = state.renew(t, seconds(body.increment));
  if (!renewed) return fail(400, 'lease is not renewable');
  const warnings = renewed.capped ? [`TTL of "${seconds(body.increment) || t.creationTtl}s" exceeded the effective max_ttl of "${renewed.ttl}s"; TTL value is capped accordingly`] : undefined;
  return ok({ auth: authBlock(t, renewed.ttl), ...(warnings ? { warnings } : {}) });
};

/** POST auth/token/lookup-accessor {accessor}. */
export const lookupAccessor: Handler = ({ state, body }) => {
  const t = typeof body.accessor === 'string' ? state.byAccessor(body.accessor) : null;
  return t ? ok({ data: { ...lookupData(state, t), id: '' } }) : fail(400, 'invalid accessor');
};

/** POST auth/token/revoke-accessor {accessor}: the token and its children. */
export const revokeAccessor: Handler = ({ state, body }) => {
  const t = typeof body.accessor === 'string' ? state.byAccessor(body.accessor) : null;
  if (!t) return fail(400, 'invalid accessor');
  state.revokeTree(t.id);
  return noContent;
};

/** POST auth/token/revoke-self: the calling token and its children. */
export const revokeSelf: Handler = ({ state, token }) => {
  state.revokeTree(token!.id);
  return noContent;
};
