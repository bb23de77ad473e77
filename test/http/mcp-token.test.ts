import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { harness, ISSUER, type Harness } from '../support/harness.ts';

// RFC 8707 resource indicators naming MCP servers, and the RFC 7523 JWT bearer grant, on POST /oauth/token.

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MCP_URI = `${ISSUER}/mcp/reports`;
const REMOTE_URI = 'https://mcp-gateway.example/mcp/tickets';

let h: Harness;
beforeAll(async () => {
  h = await harness({
    configPatch: (c) => {
      c.approvals = { ttl: '10m', groups: { 'team-a': ['https://idp.example#bob'] } };
      c.mcp = {
        servers: {
          reports: { resource: 'demo:reports', upstream: { builtin: 'demo' }, tools: { get: { action: 'read' } } },
          tickets: { resource: 'demo:reports', url: REMOTE_URI, upstream: { url: 'http://127.0.0.1:9/mcp', headers: { authorization: 'Bearer {credential}' } } },
        },
      };
    },
  });
});

const bearer = (params: Record<string, string>) => h.form('/oauth/token', { grant_type: JWT_BEARER, task_id: 'task-jb', ...params });

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('RFC 8707 resource naming an MCP server', () => {
  it("gives a grant token whose aud is exactly the server's canonical URI", async () => {
    const { status, body } = await json(await h.exchange({ subject_token: await h.agentToken(), resource: MCP_URI, scope: 'read' }));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.scope).toBe('demo:reports:read');
    const jwks = createLocalJWKSet(await (await h.app.request('/.well-known/jwks.json')).json());
    const { payload } = await jwtVerify(body.access_token, jwks, { issuer: ISSUER, audience: MCP_URI });
    expect(payload.aud).toBe(MCP_URI); // one string, not a list that could name more
  });

  it('uses the configured URI of a gateway that runs apart, and full scopes work too', async () => {
    const { status, body } = await json(await h.exchange({ subject_token: await h.agentToken(), resource: REMOTE_URI, scope: 'demo:reports:read demo:reports:write' }));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(decodeJwt(body.access_token).aud).toBe(REMOTE_URI);
  });

  it('without a resource indicator the token keeps the default audience', async () => {
    const { body } = await json(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' }));
    expect(decodeJwt(body.access_token).aud).not.toBe(MCP_URI);
  });

  it('an unknown resource URI is invalid_target; a near miss is unknown too', async () => {
    for (const resource of ['https://elsewhere.example/mcp/reports', `${MCP_URI}/`, `${ISSUER}/mcp/REPORTS`]) {
      const { status, body } = await json(await h.exchange({ subject_token: await h.agentToken(), resource, scope: 'read' }));
      expect([status, body.error], resource).toEqual([400, 'invalid_target']);
    }
  });

  it("refuses to hand out an MCP server's upstream credential to the agent", async () => {
    const { status, body } = await json(
      await h.exchange({ subject_token: await h.agentToken(), resource: MCP_URI, scope: 'read', requested_token_type: 'urn:tollgate:token-type:secret' }),
    );
    expect([status, body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('JWT bearer grant (RFC 7523) for workload identity', () => {
  it('issues a grant token for the workload token as assertion, with resource, scope and task_id', async () => {
    const { status, body } = await json(await bearer({ assertion: await h.agentToken('jb-1'), resource: MCP_URI, scope: 'read write' }));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'demo:reports:read demo:reports:write', task_id: 'task-jb' });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ aud: MCP_URI, sub: 'spiffe://example.org/agent/jb-1', grant_id: body.grant_id });
    // the same records as an exchange: the grant, its events, introspection, revocation
    const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
    expect(grant).toMatchObject({ status: 'active', agent: 'spiffe://example.org/agent/jb-1', task_id: 'task-jb' });
    const audit = (await (await h.adminRequest('/v1/audit?after=0&limit=10000')).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.grant_id === body.grant_id).map((e) => e.type)).toEqual(['grant.issuing', 'grant.active']);
    expect((await h.form('/oauth/revoke', { token: body.access_token }, { authorization: `Bearer ${await h.agentToken('jb-1')}` })).status).toBe(200);
    const intro = await (await h.adminRequest('/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${body.access_token}` })).json();
    expect(intro).toEqual({ active: false });
  });

  it('goes through the same policy: what policy forbids is narrowed away or denied', async () => {
    const narrowed = await json(await bearer({ assertion: await h.agentToken('jb-2'), resource: MCP_URI, scope: 'read admin' }));
    expect(narrowed.body.scope).toBe('demo:reports:read');
    const denied = await json(await bearer({ assertion: await h.agentToken('risky'), resource: MCP_URI, scope: 'read' }));
    expect([denied.status, denied.body.error]).toEqual([403, 'access_denied']);
  });

  it('keeps task_id required and honours completed tasks and blocks', async () => {
    const missing = await json(await h.form('/oauth/token', { grant_type: JWT_BEARER, assertion: await h.agentToken('jb-3'), resource: MCP_URI, scope: 'read' }));
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);

    const first = await json(await bearer({ assertion: await h.agentToken('jb-3'), resource: MCP_URI, scope: 'read', task_id: 'task-done' }));
    expect(first.status).toBe(200);
    const done = await h.form('/v1/tasks/task-done/complete', {}, { authorization: `Bearer ${first.body.access_token}` });
    expect(done.status).toBeLessThan(300);
    const again = await json(await bearer({ assertion: await h.agentToken('jb-3'), resource: MCP_URI, scope: 'read', task_id: 'task-done' }));
    expect([again.status, again.body.error]).toEqual([403, 'access_denied']);

    const block = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/jb-4', block: true }) });
    expect(block.status).toBe(202);
    const blocked = await json(await bearer({ assertion: await h.agentToken('jb-4'), resource: MCP_URI, scope: 'read' }));
    expect([blocked.status, blocked.body.error]).toEqual([403, 'access_denied']);
  });

  it('an unacceptable assertion is invalid_grant: a human token, a stranger, a Tollgate token, a forged one', async () => {
    const grantToken = (await json(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' }))).body.access_token;
    const stranger = await (await import('../support/keys.ts')).testIssuer('https://stranger.example', 'x-1');
    const forged = (await h.agentToken('jb-5')).slice(0, -4) + 'AAAA';
    for (const assertion of [await h.human.mint('alice'), await stranger.mint('spiffe://example.org/agent/jb-5'), grantToken, forged]) {
      const { status, body } = await json(await bearer({ assertion, resource: MCP_URI, scope: 'read' }));
      expect([status, body.error]).toEqual([400, 'invalid_grant']);
      expect(body.error_description).toMatch(/^assertion: /);
    }
  });

  it('waits for a human when policy says so, then is issued exactly once, for exactly the approved request', async () => {
    // dev.cedar: delete waits for the agent's owner (team-a; bob is in it by config).
    const agent = await h.agentToken('jb-8');
    const ask = (extra: Record<string, string> = {}) => bearer({ assertion: agent, resource: MCP_URI, scope: 'delete', task_id: 'task-jb-approval', intent: 'drop a stale draft', ...extra });
    const first = await json(await ask());
    expect([first.status, first.body.error], JSON.stringify(first.body)).toEqual([400, 'authorization_pending']);
    const id: string = first.body.approval_id;
    expect(id).toMatch(/^apr_/);
    const bob = await h.human.mint('bob', { email: 'bob@example.com' });
    const approval = await (await h.app.request(`/v1/approvals/${id}`, { headers: { authorization: `Bearer ${bob}` } })).json();
    expect(approval).toMatchObject({ status: 'pending', agent: 'spiffe://example.org/agent/jb-8', task_id: 'task-jb-approval', resource: 'demo:reports', actions: ['delete'], intent: 'drop a stale draft', rules: ['owner'] });

    const early = await json(await ask({ approval_id: id }));
    expect([early.status, early.body.error, early.body.approval_id]).toEqual([400, 'authorization_pending', id]);
    const approve = await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${bob}` } });
    expect(approve.status).toBe(200);

    // The approval is for this request only: another scope or task does not use it up.
    const other = await json(await bearer({ assertion: agent, resource: MCP_URI, scope: 'delete', task_id: 'task-other', approval_id: id }));
    expect([other.status, other.body.error_description]).toEqual([400, 'approval_id was given for a different request']);
    const issued = await json(await ask({ approval_id: id }));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body).toMatchObject({ scope: 'demo:reports:delete', task_id: 'task-jb-approval' });
    expect(decodeJwt(issued.body.access_token)).toMatchObject({ aud: MCP_URI, sub: 'spiffe://example.org/agent/jb-8' });
    const grant = await (await h.adminRequest(`/v1/grants/${issued.body.grant_id}`)).json();
    expect(grant).toMatchObject({ status: 'active', approval: 'owner' });

    // Used once: the same retry again gets nothing.
    const again = await json(await ask({ approval_id: id }));
    expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);
    const used = await (await h.app.request(`/v1/approvals/${id}`, { headers: { authorization: `Bearer ${bob}` } })).json();
    expect(used.status).toBe('used');
  });

  it('refuses token-exchange inputs mixed in, a missing assertion, and unknown targets', async () => {
    const a = await h.agentToken('jb-6');
    const mixed = await json(await bearer({ assertion: a, actor_token: a, resource: MCP_URI, scope: 'read' }));
    expect([mixed.status, mixed.body.error]).toEqual([400, 'invalid_request']);
    const none = await json(await bearer({ resource: MCP_URI, scope: 'read' }));
    expect([none.status, none.body.error]).toEqual([400, 'invalid_request']);
    const unknown = await json(await bearer({ assertion: a, resource: 'https://nowhere.example/mcp', scope: 'read' }));
    expect([unknown.status, unknown.body.error]).toEqual([400, 'invalid_target']);
  });
});

describe('RFC 8414 metadata', () => {
  it('lists exactly the grants the token endpoint accepts; the authorization endpoint supports no response type', async () => {
    const m = await (await h.app.request('/.well-known/oauth-authorization-server')).json();
    expect(m.grant_types_supported).toEqual(['urn:ietf:params:oauth:grant-type:token-exchange', JWT_BEARER]);
    expect(m.response_types_supported).toEqual([]);
    // It never sends an authorization response, so RFC 9207's iss parameter has nothing to apply to.
    expect(m.authorization_response_iss_parameter_supported).toBe(false);
    const authz = await h.app.request(`${m.authorization_endpoint}?response_type=code&client_id=x&redirect_uri=https://evil.example/cb`);
    expect(authz.status).toBe(400); // answered here, never redirected to an unregistered URI
    expect(authz.headers.get('location')).toBeNull();
    expect((await authz.json()).error).toBe('unsupported_response_type');
    const other = await json(await h.form('/oauth/token', { grant_type: 'client_credentials' }));
    expect([other.status, other.body.error]).toEqual([400, 'unsupported_grant_type']);
  });
});
