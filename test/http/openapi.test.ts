import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { ADMIN_KEY, harness } from '../support/harness.ts';
import { responseCheck } from '../support/openapi-check.ts';

const GATEWAY_KEY = 'tgw_openapi-test-gateway-key-0123456789';
type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId: string }>>; components: { schemas: Record<string, unknown> } };

describe('OpenAPI document', () => {
  it.each([
    ['without MCP servers', undefined],
    ['with an MCP server and the console off', (c: Record<string, any>) => void ((c.mcp = { servers: { reports: { resource: 'demo:reports', upstream: { builtin: 'demo' }, tools: { get: { action: 'read' } } } } }), (c.console = { enabled: false }))],
  ])('is OpenAPI 3.1 and lists every route the app registers, %s', async (_name, configPatch) => {
    const h = await harness(configPatch ? { configPatch } : {});
    const doc = (await (await h.app.request('/openapi.json')).json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const missing: string[] = [];
    for (const r of h.app.routes) {
      // Middleware (`*`) is no operation; the console's pages under /console are HTML for people, documented as /console.
      if (r.path.includes('*') || r.path.startsWith('/console/')) continue;
      const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const ops = doc.paths[path];
      if (!ops || (r.method !== 'ALL' && !ops[r.method.toLowerCase()])) missing.push(`${r.method} ${r.path}`);
    }
    expect(missing).toEqual([]);
    // Nothing documented that is not served, and every operation is named once.
    const served = new Set(h.app.routes.map((r) => r.path.replace(/:([A-Za-z_]+)/g, '{$1}')));
    expect(Object.keys(doc.paths).filter((p) => !served.has(p))).toEqual([]);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    // Every $ref points into the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !(r in doc.components.schemas))).toEqual([]);
    await h.deps.store.close();
  });

  it('publishes the request schemas the routes validate with, with this server\'s limits', async () => {
    const h = await harness({ configPatch: (c) => void (c.server.limits = { max_intent_chars: 200, max_task_id_chars: 64 }) });
    const doc = (await (await h.app.request('/openapi.json')).json()) as any;
    const form = doc.paths['/oauth/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.properties.intent.maxLength).toBe(200);
    expect(form.properties.task_id.maxLength).toBe(64);
    expect(form.properties.grant_type.enum).toEqual(['urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);
    // …and the route holds requests to exactly that.
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', intent: 'x'.repeat(201) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_description: string }).error_description).toBe('intent exceeds 200 characters');
    const freeze = doc.paths['/v1/freeze'].post.requestBody.content['application/json'].schema;
    expect(freeze).toMatchObject({ type: 'object', required: ['reason'], additionalProperties: false });
    const credentials = doc.paths['/v1/credentials'].post.requestBody.content['application/json'].schema;
    expect(credentials.properties.action.enum).toEqual(['read', 'write', 'delete', 'admin']);
    expect(doc.paths['/v1/grants'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['agent', 'task_id', 'status', 'limit', 'cursor']));
    await h.deps.store.close();
  });

  it('describes what the endpoints answer: responses of a whole flow validate against it', async () => {
    const hash = await sha256Hex(GATEWAY_KEY);
    const h = await harness({ configPatch: (c) => void (c.trust.gateway_key_hashes = [hash]) });
    const doc = (await (await h.app.request('/openapi.json')).json()) as Doc;
    const check = responseCheck(doc as never);
    const problems: string[] = [];
    const seen = async (method: string, path: string, res: Response) => {
      const p = await check.problem(method, path, res);
      if (p) problems.push(p);
      return res;
    };
    const admin = async (method: string, path: string, body?: unknown) =>
      seen(method, path, await h.adminRequest(path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) }));
    const exchange = async (params: Record<string, string>) => seen('POST', '/oauth/token', await h.exchange(params));

    await seen('GET', '/.well-known/oauth-authorization-server', await h.app.request('/.well-known/oauth-authorization-server'));
    await seen('GET', '/.well-known/jwks.json', await h.app.request('/.well-known/jwks.json'));
    const issued = (await (await exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 't-1' })).clone().json()) as { access_token: string; grant_id: string };
    await exchange({ subject_token: await h.agentToken(), scope: 'nope:x:read' });
    await exchange({ subject_token: 'not-a-jwt', scope: 'demo:reports:read' });
    const pending = (await (await exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', task_id: 't-2' })).clone().json()) as { approval_id: string };
    await seen('POST', '/oauth/introspect', await h.form('/oauth/introspect', { token: issued.access_token }, { authorization: `Bearer ${ADMIN_KEY}` }));
    await seen('POST', '/oauth/introspect', await h.form('/oauth/introspect', { token: issued.access_token }));
    const call = (body: unknown) => h.app.request('/v1/credentials', { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await seen('POST', '/v1/credentials', await call({ token: issued.access_token, action: 'read' }));
    await seen('POST', '/v1/credentials', await call({ token: issued.access_token, action: 'delete' }));
    await seen('POST', '/v1/credentials', await call({ token: issued.access_token, action: 'fly' }));
    await admin('GET', '/v1/grants?task_id=t-1');
    await admin('GET', `/v1/grants/${issued.grant_id}`);
    await admin('GET', '/v1/grants/grt_missing');
    await admin('GET', '/v1/approvals');
    await admin('GET', `/v1/approvals/${pending.approval_id}`);
    await seen('POST', `/v1/approvals/${pending.approval_id}/approve`, await h.app.request(`/v1/approvals/${pending.approval_id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await h.human.mint('bob')}` } }));
    await admin('POST', '/v1/freeze', { reason: 'drill' });
    await admin('GET', '/v1/freeze');
    await exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 't-3' });
    await admin('DELETE', '/v1/freeze');
    await admin('POST', '/v1/revocations', { task_id: 't-1', dry_run: true });
    const started = (await (await admin('POST', '/v1/revocations', { agent: 'spiffe://example.org/agent/other', block: true, reason: 'drill' })).clone().json()) as { revocation_id: string };
    await admin('GET', '/v1/revocations');
    await admin('GET', `/v1/revocations/${started.revocation_id}`);
    await admin('GET', `/v1/revocations/${started.revocation_id}/receipts`);
    await admin('GET', '/v1/blocks');
    await admin('DELETE', `/v1/blocks?agent=${encodeURIComponent('spiffe://example.org/agent/other')}`);
    await admin('GET', '/v1/risk?agent=spiffe://example.org/agent/demo');
    await admin('POST', '/v1/risk', { agent: 'spiffe://example.org/agent/demo', level: 'medium', reason: 'drill' });
    await seen('POST', '/v1/tasks/t-1/complete', await h.adminRequest('/v1/tasks/t-1/complete', { method: 'POST' }));
    await admin('GET', '/v1/audit/verify');
    await admin('GET', '/v1/audit?limit=5');
    await seen('GET', '/healthz', await h.app.request('/healthz'));
    await seen('GET', '/healthz/live', await h.app.request('/healthz/live'));
    expect(problems).toEqual([]);
    // The check itself can fail: a body of another shape, a status not listed, a route not documented.
    const fake = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    expect(await check.problem('GET', '/v1/grants', fake({ grants: 'none', next_cursor: null }))).toMatch(/must be array/);
    expect(await check.problem('GET', '/v1/grants', fake({ error: 'x', error_description: 'y' }, 418))).toMatch(/does not list/);
    expect(await check.problem('GET', '/v1/nothing', fake({}))).toMatch(/not in the document/);
    expect(await check.problem('PUT', '/v1/grants', fake({}, 404))).toMatch(/not in the document/);
    await h.deps.store.close();
  });

  it('has a reference page served by Tollgate itself: no script, nothing from another origin', async () => {
    const h = await harness();
    const res = await h.app.request('/openapi');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('<code>/oauth/token</code>');
    expect(page).toContain('<code>/v1/freeze</code>');
    expect(page).not.toMatch(/<script|\bsrc="https?:|href="https?:/);
    expect((await h.app.request('/openapi.css')).headers.get('content-type')).toMatch(/^text\/css/);
    await h.deps.store.close();
  });
});
