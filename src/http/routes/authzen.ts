import type { RegisterRoutes } from '../env.ts';
import { evaluate, type AuthzenDecision } from '../../authzen/evaluate.ts';
import { evaluationSchema, evaluationsSchema, type Evaluation } from '../../authzen/request.ts';
import { gatewayAuthenticator } from '../authenticate-gateway.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { readJson } from '../../lib/read-body.ts';

/**
 * OpenID AuthZEN Authorization API 1.0: the per-call decision as a PDP, for gateways that already
 * speak AuthZEN. Authenticated as gateways are for POST /v1/credentials; its metadata is public.
 */
export const registerAuthzen: RegisterRoutes = (app, deps) => {
  const authenticate = gatewayAuthenticator(deps);
  const base = deps.config.server.issuer.replace(/\/+$/, '');
  const metadata = {
    policy_decision_point: deps.config.server.issuer,
    access_evaluation_endpoint: `${base}/access/v1/evaluation`,
    access_evaluations_endpoint: `${base}/access/v1/evaluations`,
  };
  app.get('/.well-known/authzen-configuration', (c) => c.json(metadata, 200, { 'cache-control': 'public, max-age=300' }));

  const body = (req: Request) => readJson(req, deps.config.server.limits.max_body_bytes);
  const invalid = (issues: { path: PropertyKey[] }[]) => new OAuthError('invalid_request', `malformed evaluation at ${issues[0]?.path.map(String).join('.') || 'the body'}`);

  app.post('/access/v1/evaluation', async (c) => {
    const gateway = await authenticate(c.req.raw);
    const parsed = evaluationSchema.safeParse(await body(c.req.raw));
    if (!parsed.success) throw invalid(parsed.error.issues);
    return c.json(await evaluate(deps, gateway, parsed.data, c.get('requestId')), 200, { 'cache-control': 'no-store' });
  });

  app.post('/access/v1/evaluations', async (c) => {
    const gateway = await authenticate(c.req.raw);
    const parsed = evaluationsSchema.safeParse(await body(c.req.raw));
    if (!parsed.success) throw invalid(parsed.error.issues);
    const { evaluations, options, ...defaults } = parsed.data;
    const requestId = c.get('requestId');
    // No list: the same as one evaluation of the top-level fields (AuthZEN 1.0 §7.1).
    if (!evaluations || evaluations.length === 0) {
      const one = evaluationSchema.safeParse(defaults);
      if (!one.success) throw invalid(one.error.issues);
      return c.json(await evaluate(deps, gateway, one.data, requestId), 200, { 'cache-control': 'no-store' });
    }
    const semantic = options?.evaluations_semantic ?? 'execute_all';
    const out: AuthzenDecision[] = [];
    for (const item of evaluations) {
      // Each item's members replace the defaults (context too: the defaults' context is not merged in).
      const merged = evaluationSchema.safeParse({ ...defaults, ...item });
      if (!merged.success) throw invalid(merged.error.issues);
      const d = await evaluate(deps, gateway, merged.data as Evaluation, requestId);
      out.push(d);
      if ((semantic === 'deny_on_first_deny' && !d.decision) || (semantic === 'permit_on_first_permit' && d.decision)) break;
    }
    return c.json({ evaluations: out }, 200, { 'cache-control': 'no-store' });
  });
};
