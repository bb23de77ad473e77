import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange, redeemCredential, sha256Digest, tollgateGateway, TollgateError, type GatewayCredential, type TollgateGatewayEnv, type TollgateGatewayOptions } from 'tollgate/client';
import { harness, type Harness } from '../support/harness.ts';
import { credentialsStandIn, GATEWAY_KEY, type StandIn } from './credentials-standin.ts';
import { listen, type Served } from './served.ts';

// The gateway middleware, reaching a stand-in of POST /v1/credentials over HTTP (see
// credentials-standin.ts); the grant tokens are real ones from the real Tollgate.
describe('tollgate/client tollgateGateway() (against the /v1/credentials stand-in)', () => {
  let h: Harness;
  let standIn: StandIn;
  let server: Served;
  let handled: GatewayCredential[];
  let refusals: string[];

  const gateway = (over: Partial<TollgateGatewayOptions<TollgateGatewayEnv>> = {}) => {
    const app = new Hono<TollgateGatewayEnv>();
    app.use(
      '/tools/:tool',
      tollgateGateway({
        url: server.url,
        gatewayKey: GATEWAY_KEY,
        action: (c) => (c.req.method === 'GET' ? 'read' : 'write'),
        resource: 'demo:reports',
        tool: (c) => c.req.param('tool'),
        argumentsDigest: async (c) => (c.req.method === 'GET' ? undefined : sha256Digest(await c.req.text())),
        onRefusal: (e) => refusals.push(e.code),
        ...over,
      }),
    );
    app.all('/tools/:tool', async (c) => {
      const cred = c.get('tollgateCredential');
      handled.push(cred);
      return c.json({ did: c.req.param('tool'), with: cred.accessToken, body: c.req.method === 'GET' ? null : await c.req.text() });
    });
    return app;
  };
  const grantToken = async (scope = 'demo:reports:read demo:reports:write', agent = 'demo') =>
    (await exchange({ url: 'https://tollgate.test', fetch: h.app.fetch, subjectToken: await h.agentToken(agent), scope, taskId: 't-gw' })).access_token;
  const call = (app: Hono<TollgateGatewayEnv>, path: string, token: string | null, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });

  beforeEach(async () => {
    h = await harness();
    standIn = credentialsStandIn(h);
    server = await listen(standIn.app);
    handled = [];
    refusals = [];
  });
  afterEach(async () => {
    await server.close();
    await h.deps.store.close();
  });

  it("redeems the agent's grant token per call and hands the handler the credential; the digest of the arguments goes along", async () => {
    const token = await grantToken();
    const app = gateway();
    const read = await call(app, '/tools/reports.list', token);
    expect(read.status).toBe(200);
    const args = JSON.stringify({ id: 7, text: 'fixed' });
    const write = await call(app, '/tools/reports.update', token, { method: 'POST', body: args, headers: { 'content-type': 'application/json' } });
    expect(write.status).toBe(200);
    expect(await write.json()).toMatchObject({ did: 'reports.update', body: args });
    expect(handled.map((c) => c.action)).toEqual(['read', 'write']);
    expect(handled[1]).toMatchObject({ taskId: 't-gw', scope: 'demo:reports:read demo:reports:write', tokenType: 'Bearer', policyIds: ['stand-in'] });
    expect(handled[1]!.accessToken).toBe(`upstream-write-${handled[1]!.grantId}`);
    expect(standIn.bodies).toEqual([
      { token, action: 'read', resource: 'demo:reports', tool: 'reports.list' },
      { token, action: 'write', resource: 'demo:reports', tool: 'reports.update', arguments_digest: await sha256Digest(args) },
    ]);
  });

  it('without a bearer token: 401 with a bare RFC 6750 challenge, and Tollgate is not asked', async () => {
    for (const auth of [null, 'Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${'a'.repeat(17_000)}`]) {
      const res = await gateway().request('/tools/reports.list', auth ? { headers: { authorization: auth } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tollgate"');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect(standIn.bodies).toHaveLength(0);
    expect(handled).toHaveLength(0);
  });

  it('a revoked grant token: 401 invalid_token', async () => {
    const token = await grantToken();
    expect((await h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    const res = await call(gateway(), '/tools/reports.list', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tollgate", error="invalid_token", error_description="[^"]*"$/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    expect(handled).toHaveLength(0);
    expect(refusals).toEqual(['invalid_grant']);
  });

  it("an action outside the grant: 403 insufficient_scope (a read grant does not serve a write)", async () => {
    const token = await grantToken('demo:reports:read');
    const res = await call(gateway(), '/tools/reports.update', token, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tollgate", error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(handled).toHaveLength(0);
  });

  it('policy says no now: 403 access_denied', async () => {
    const token = await grantToken();
    standIn.deniedAgents.add('spiffe://example.org/agent/demo');
    const res = await call(gateway(), '/tools/reports.list', token);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'access_denied' });
    expect(handled).toHaveLength(0);
  });

  it('a call that needs a human: 403 authorization_pending with approval_id; the retry with Tollgate-Approval-Id goes through once approved', async () => {
    const token = await grantToken();
    standIn.needsApproval = (action, tool) => action === 'write' && tool === 'reports.publish';
    const app = gateway();
    const first = await call(app, '/tools/reports.publish', token, { method: 'POST', body: '{"id":1}' });
    expect(first.status).toBe(403);
    const body = await first.json();
    expect(body).toMatchObject({ error: 'authorization_pending', approval_id: expect.stringMatching(/^apr_/) });
    const retry = () => call(app, '/tools/reports.publish', token, { method: 'POST', body: '{"id":1}', headers: { 'tollgate-approval-id': body.approval_id } });
    expect((await retry()).status).toBe(403);
    standIn.approve(body.approval_id);
    expect((await retry()).status).toBe(200);
    expect(standIn.bodies.at(-1)).toMatchObject({ approval_id: body.approval_id });
    expect(handled).toHaveLength(1);
  });

  it("the gateway's own trouble is a 503 for the agent: a wrong gateway key, Tollgate down, Tollgate unreachable", async () => {
    const token = await grantToken();
    const wrongKey = await call(gateway({ gatewayKey: 'tgw_wrong' }), '/tools/reports.list', token);
    expect(wrongKey.status).toBe(503);
    expect(wrongKey.headers.get('retry-after')).toBe('5');
    const text = await wrongKey.text();
    expect(text).not.toContain('tgw_wrong');
    expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' });

    standIn.down = true;
    const down = await call(gateway(), '/tools/reports.list', token);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('7');

    const gone = await call(gateway({ url: 'http://127.0.0.1:9' }), '/tools/reports.list', token);
    expect(gone.status).toBe(503);
    expect(handled).toHaveLength(0);
    expect(refusals).toEqual(['invalid_client', 'temporarily_unavailable', 'network_error']);
  });

  it('a gatewayToken function is asked for the credential on every call', async () => {
    const token = await grantToken();
    let asked = 0;
    const app = gateway({ gatewayKey: undefined, gatewayToken: async () => (asked++, GATEWAY_KEY) });
    for (let i = 0; i < 3; i++) expect((await call(app, '/tools/reports.list', token)).status).toBe(200);
    expect(asked).toBe(3);
  });

  it('an action the gateway cannot name is its own bug: the app error handler answers, not a refusal', async () => {
    const token = await grantToken();
    const app = gateway({ action: () => 'fly' as never });
    app.onError((e, c) => c.json({ bug: e.message }, 500));
    const res = await call(app, '/tools/reports.list', token);
    expect(res.status).toBe(500);
    expect(standIn.bodies).toHaveLength(0);
  });

  it('redeemCredential() is the same call for gateways that are not Hono apps; refusals are TollgateErrors', async () => {
    const token = await grantToken('demo:reports:read');
    const r = await redeemCredential({ url: server.url, gatewayCredential: GATEWAY_KEY, grantToken: token, action: 'read', tool: 't' });
    expect(r).toMatchObject({ action: 'read', access_token: `upstream-read-${r.grant_id}`, policy_ids: ['stand-in'] });
    const e = await redeemCredential({ url: server.url, gatewayCredential: GATEWAY_KEY, grantToken: token, action: 'delete' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TollgateError);
    expect(e).toMatchObject({ code: 'insufficient_scope', status: 403 });
    expect(String(e)).not.toContain(token);
  });

  it('sha256Digest: the FIPS 180-2 test vector, for strings and bytes alike', async () => {
    const abc = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Digest('abc')).toBe(abc);
    expect(await sha256Digest(new TextEncoder().encode('abc'))).toBe(abc);
    expect(await sha256Digest(new TextEncoder().encode('abc').buffer)).toBe(abc);
  });
});
