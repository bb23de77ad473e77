// auth/MOUNT/login for the approle and jwt methods (api-docs/auth/approle#login-with-approle,
// api-docs/auth/jwt#jwt-login). Login tokens are orphans; their TTLs come from the role.
import { jwtVerify } from 'jose';
import { fail, ok, type Handler } from './http.ts';
import { authBlock } from './token-routes.ts';

/** POST auth/:mount/login, dispatched on what is mounted there. */
export const login: Handler = async (ctx) => {
  const { state, opts, body, params, namespace } = ctx;
  const mount = params[0]!;
  if (namespace !== state.namespace) return fail(404, `no handler for route "auth/${mount}/login". route entry not found.`);
  const approles = opts.approle?.[mount];
  if (approles) {
    const role = Object.entries(approles).find(([, r]) => r.role_id === body.role_id);
    if (!role) return fail(400, 'invalid role ID');
    const [name, r] = role;
    if (r.secret_id !== body.secret_id) return fail(400, 'invalid secret id');
    const t = state.createToken({
      policies: [...new Set(['default', ...r.policies])].sort(),
      identityPolicies: r.entity_policies ?? [],
      meta: { role_name: name },
      displayName: `${mount}`,
      path: `auth/${mount}/login`,
      creationTtl: r.token_ttl,
      maxTtl: r.token_max_ttl ?? state.maxLeaseTtl,
    });
    return ok({ auth: authBlock(t, t.creationTtl) });
  }
  const jwtRoles = opts.jwt?.[mount];
  if (jwtRoles) {
    const r = typeof body.role === 'string' ? jwtRoles[body.role] : undefined;
    if (!r) return fail(400, `role "${String(body.role)}" could not be found`);
    if (typeof body.jwt !== 'string') return fail(400, 'missing token');
    const claims = await jwtVerify(body.jwt, r.key, { audience: r.bound_audiences }).then(
      (v) => v.payload,
      () => null,
    );
    if (!claims) return fail(400, 'error validating token: invalid token');
    const t = state.createToken({
      policies: [...new Set(['default', ...r.policies])].sort(),
      meta: { role: body.role as string },
      displayName: `${mount}-${claims.sub ?? ''}`,
      path: `auth/${mount}/login`,
      creationTtl: r.token_ttl,
      maxTtl: r.token_max_ttl ?? state.maxLeaseTtl,
    });
    return ok({ auth: authBlock(t, t.creationTtl) });
  }
  return fail(404, `no handler for route "auth/${mount}/login". route entry not found.`);
};
