import { Hono } from 'hono';
import { ADMIN_KEY, type Harness } from '../support/harness.ts';

// A STAND-IN for POST /v1/credentials (the contract in the `cred` branch's brief), used until the
// real endpoint exists. It follows the contract's request and answer shapes; grant tokens are
// checked by the real Tollgate's introspection, so an invalid, expired or revoked grant token
// really is refused. Policy is reduced to two switches: agents to deny, and calls that need an
// approval (granted by `approve(id)`).

export const GATEWAY_KEY = 'tgw_test-gateway-key-0123456789abcdef';
const ACTIONS = ['read', 'write', 'delete', 'admin'];
const MAX_BODY = 16 * 1024;

export interface StandIn {
  app: Hono;
  /** every body it was sent, in order */
  bodies: Record<string, unknown>[];
  deniedAgents: Set<string>;
  needsApproval: (action: string, tool: string | undefined) => boolean;
  approve(id: string): void;
  down: boolean;
}

export function credentialsStandIn(h: Harness): StandIn {
  const approved = new Set<string>();
  let n = 0;
  const s: StandIn = {
    app: new Hono(),
    bodies: [],
    deniedAgents: new Set(),
    needsApproval: () => false,
    approve: (id) => approved.add(id),
    down: false,
  };
  const fail = (status: 400 | 401 | 403 | 503, error: string, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify({ error, error_description: `stand-in: ${error}`, ...extra }), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}), ...(status === 503 ? { 'retry-after': '7' } : {}) },
    });

  s.app.post('/v1/credentials', async (c) => {
    if (s.down) return fail(503, 'temporarily_unavailable');
    if (c.req.header('authorization') !== `Bearer ${GATEWAY_KEY}`) return fail(401, 'invalid_client');
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) return fail(400, 'invalid_request');
    const text = await c.req.text();
    if (text.length > MAX_BODY) return fail(400, 'invalid_request');
    const body = JSON.parse(text) as Record<string, unknown>;
    s.bodies.push(body);
    const { token, action, resource, tool, arguments_digest, approval_id } = body as Record<string, string | undefined>;
    if (typeof token !== 'string' || typeof action !== 'string' || !ACTIONS.includes(action)) return fail(400, 'invalid_request');
    if (arguments_digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(arguments_digest)) return fail(400, 'invalid_request');
    if (tool !== undefined && tool.length > 256) return fail(400, 'invalid_request');

    const intro = (await (await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${ADMIN_KEY}` })).json()) as Record<string, any>;
    if (!intro.active) return fail(400, 'invalid_grant');
    const scopes = String(intro.scope).split(' ');
    const grantResource = scopes[0]!.slice(0, scopes[0]!.lastIndexOf(':'));
    const actions = scopes.map((x) => x.slice(x.lastIndexOf(':') + 1));
    if (resource !== undefined && resource !== grantResource) return fail(403, 'insufficient_scope');
    if (!actions.includes(action)) return fail(403, 'insufficient_scope');
    if (s.deniedAgents.has(intro.client_id)) return fail(403, 'access_denied');
    if (s.needsApproval(action, tool) && !(approval_id && approved.has(approval_id))) return fail(400, 'authorization_pending', { approval_id: approval_id ?? `apr_standin${String(++n).padStart(8, '0')}` });
    return c.json(
      {
        grant_id: intro.grant_id,
        task_id: intro.task_id,
        action,
        scope: intro.scope,
        policy_ids: ['stand-in'],
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        access_token: `upstream-${action}-${intro.grant_id}`,
        expires_in: Math.min(60, intro.exp - Math.floor(h.clock.now / 1000)),
      },
      200,
      { 'cache-control': 'no-store' },
    );
  });
  return s;
}
