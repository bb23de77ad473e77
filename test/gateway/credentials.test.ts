import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createAgentRegistry } from '../../src/grants/agent-registry.ts';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { ADMIN_KEY, ISSUER } from '../support/harness.ts';
import { GATEWAY_KEY, gatewayHarness } from './support.ts';

const DIGEST = 'sha256:' + 'ab'.repeat(32);

describe('POST /v1/credentials: serving', () => {
  it('answers a grant token and an action with the credential to inject, and audits the call', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const res = await h.call({ token, action: 'read', resource: 'demo:reports', tool: 'reports.get', arguments_digest: DIGEST });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ action: 'read', scope: 'demo:reports:read', policy_ids: ['read-unrestricted'], issued_token_type: TOKEN_TYPE.jwt, token_type: 'Bearer', task_id: 'task-1' });
    expect(body.grant_id).toMatch(/^grt_/);
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.expires_in).toBeLessThanOrEqual(3600);
    // Tollgate's own resource: the credential is a grant token a resource server verifies against the JWKS.
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(h.deps.keyring.jwks), { issuer: ISSUER });
    expect(payload.grant_id).toBe(body.grant_id);

    const [e] = await h.events('credential.issued');
    expect(e).toMatchObject({ grant_id: body.grant_id, agent: 'spiffe://example.org/agent/demo', task_id: 'task-1', resource: 'demo:reports', actions: ['read'], decision: 'allow', policy_ids: ['read-unrestricted'] });
    expect(e!.detail).toMatchObject({ gateway: expect.stringMatching(/^gateway-key:[0-9a-f]{12}$/), tool: 'reports.get', arguments_digest: DIGEST, cached: false, fingerprint: expect.stringMatching(/^sha256:/) });
    expect(JSON.stringify(await h.events())).not.toContain(body.access_token);
    expect(JSON.stringify(await h.events())).not.toContain(token);
  });

  it('serves a cached upstream credential without calling the upstream again, and audits every call', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read up:files:write');
    const first = await (await h.call({ token, action: 'read' })).json();
    const second = await (await h.call({ token, action: 'read' })).json();
    expect(first.access_token).toBe('upstream-token-1-read');
    expect(second.access_token).toBe(first.access_token);
    expect(first).toMatchObject({ issued_token_type: TOKEN_TYPE.accessToken, token_type: 'Bearer' });
    expect(h.upstream.issued).toEqual(['upstream-token-1-read']);
    // Another action gets its own credential, down-scoped to that action.
    const write = await (await h.call({ token, action: 'write' })).json();
    expect(write.access_token).toBe('upstream-token-2-write');
    expect((await h.events('credential.issued')).map((e) => e.detail.cached)).toEqual([false, true, false]);
    expect(await h.events('credential.leased')).toHaveLength(2);
  });

  it('refreshes a credential before it expires, and revoking the grant revokes every one it got', async () => {
    const h = await gatewayHarness();
    h.upstream.life = 30_000;
    const token = await h.grantToken('up:files:read');
    const a = await (await h.call({ token, action: 'read' })).json();
    expect(a.expires_in).toBe(30);
    h.clock.now += 20_000;
    expect((await (await h.call({ token, action: 'read' })).json()).access_token).toBe(a.access_token);
    h.clock.now += 5_000; // inside the last fifth of its life
    const b = await (await h.call({ token, action: 'read' })).json();
    expect(b.access_token).not.toBe(a.access_token);
    expect(h.upstream.issued).toHaveLength(2);

    await h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await h.agentToken()}` });
    // The first credential is still within its 30 s life, so both are revoked upstream (the
    // revocation tries one at once; the worker does the rest).
    await runRevocationJobs(h.deps);
    expect(await h.deps.store.jobsForGrants([b.grant_id])).toEqual([]);
    expect(h.upstream.revoked.sort()).toEqual(['lease-1', 'lease-2']);
  });

  it('accepts a gateway workload token from an issuer of kind gateway', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const gw = await h.gateway.mint('spiffe://example.org/gateway/mcp');
    const res = await h.call({ token, action: 'read' }, gw);
    expect(res.status).toBe(200);
    expect((await h.call({ token, action: 'read' }, gw)).status).toBe(200);
    expect((await h.events('credential.issued')).map((e) => e.detail.gateway)).toEqual(['https://gateway.example#spiffe://example.org/gateway/mcp', 'https://gateway.example#spiffe://example.org/gateway/mcp']);
  });
});

describe('POST /v1/credentials: refusals', () => {
  it('refuses an action the grant does not hold, and another resource (403 insufficient_scope, audited)', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read');
    const del = await h.call({ token, action: 'delete', tool: 'files.rm' });
    expect(del.status).toBe(403);
    expect((await del.json()).error).toBe('insufficient_scope');
    const other = await h.call({ token, action: 'read', resource: 'demo:reports' });
    expect(other.status).toBe(403);
    expect((await other.json()).error).toBe('insufficient_scope');
    expect(h.upstream.issued).toEqual([]);
    const denied = await h.events('credential.denied');
    expect(denied).toHaveLength(2);
    expect(denied[0]).toMatchObject({ actions: ['delete'], decision: 'deny', reason: expect.stringContaining('insufficient_scope'), grant_id: expect.stringMatching(/^grt_/) });
    expect(denied[0]!.detail.tool).toBe('files.rm');
  });

  it('refuses a revoked grant on the very next call, although its credential is cached', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read');
    expect((await h.call({ token, action: 'read' })).status).toBe(200);
    expect((await h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    const res = await h.call({ token, action: 'read' });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(body.access_token).toBeUndefined();
    const [e] = await h.events('credential.denied');
    expect(e!.reason).toContain('revoked');
  });

  it('refuses grants named by a mass revocation from the moment it is recorded', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read');
    expect((await h.call({ token, action: 'read' })).status).toBe(200);
    // Recorded but not run: its filter binds before any row is marked.
    await h.deps.store.createRevocation(
      { id: 'rev_test', filter: { all: true, issued_before: h.clock.now + 1 }, reason: 'test', requested_by: 'test', block: false, created_at: h.clock.now, finished_at: null, revoked_count: 0 },
      { type: 'revocation.started', time: h.clock.now, request_id: null, agent: null, principal: null, act: null, task_id: null, grant_id: null, resource: null, scope: null, actions: [], decision: null, policy_ids: [], reason: 'test', detail: null },
    );
    expect((await h.call({ token, action: 'read' })).status).toBe(400);
  });

  it('refuses a blocked agent (403 access_denied)', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read');
    // A block whose filter matches no grant: only the block itself stands in the way.
    await h.deps.store.createRevocation(
      { id: 'rev_block', filter: { agent: 'spiffe://example.org/agent/demo', issued_before: 0 }, reason: 'test', requested_by: 'test', block: true, created_at: h.clock.now, finished_at: null, revoked_count: 0 },
      { type: 'revocation.started', time: h.clock.now, request_id: null, agent: null, principal: null, act: null, task_id: null, grant_id: null, resource: null, scope: null, actions: [], decision: null, policy_ids: [], reason: 'test', detail: null },
    );
    const res = await h.call({ token, action: 'read' });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('access_denied');
    expect((await h.events('credential.denied'))[0]!.reason).toContain('blocked');
  });

  it('refuses tokens of another issuer, expired ones, forged ones and garbage (400 invalid_grant), naming why in the audit log', async () => {
    const h = await gatewayHarness();
    const workloadToken = await h.agentToken();
    const forged = await (await import('../support/keys.ts')).signRawES256(
      { alg: 'ES256', kid: 'sig-1', typ: 'at+jwt' },
      { iss: ISSUER, sub: 'x', aud: 'a', exp: Math.floor(h.clock.now / 1000) + 600, iat: Math.floor(h.clock.now / 1000), jti: 'grt_x', grant_id: 'grt_x', scope: 'demo:reports:read', task_id: 't' },
      h.workload.privateKey,
    );
    const short = await h.grantToken('demo:reports:read');
    for (const token of [workloadToken, forged, 'garbage']) {
      const res = await h.call({ token, action: 'read' });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe('invalid_grant');
    }
    h.clock.now += 2 * 3600_000;
    expect((await h.call({ token: short, action: 'read' })).status).toBe(400);
    const reasons = (await h.events('credential.denied')).map((e) => e.reason);
    expect(reasons).toEqual([
      expect.stringContaining('not a Tollgate grant token'),
      expect.stringContaining('invalid signature or claims'),
      expect.stringContaining('not a Tollgate grant token'),
      expect.stringContaining('expired'),
    ]);
  });

  it('answers 401 to a gateway without credentials or with bad ones, and audits nothing', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const wrongKind = await h.agentToken(); // a workload, not a gateway
    const foreignGateway = await (await import('../support/keys.ts')).testIssuer(h.gateway.issuer, 'gw-1', 'tollgate-gateway');
    for (const auth of [null, 'tgw_wrong-key-0123456789', ADMIN_KEY, wrongKind, await foreignGateway.mint('spiffe://example.org/gateway/x'), 'not a token']) {
      const res = await h.call({ token, action: 'read' }, auth);
      expect(res.status, String(auth)).toBe(401);
      expect((await res.json()).error).toBe('invalid_client');
    }
    expect(await h.events('credential.issued')).toHaveLength(0);
    expect(await h.events('credential.denied')).toHaveLength(0);
  });

  it('refuses malformed and oversized bodies (400 invalid_request, audited)', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const bad: unknown[] = [
      'not json',
      [],
      { action: 'read' },
      { token, action: 'execute' },
      { token, action: 'read', extra: 1 },
      { token, action: 'read', tool: 'x'.repeat(257) },
      { token, action: 'read', tool: 'bad\nline' },
      { token, action: 'read', arguments_digest: 'md5:abc' },
      { token, action: 'read', resource: 'not a resource' },
      { token, action: 'read', approval_id: 'x'.repeat(129) },
      { token: 'x'.repeat(20_000), action: 'read' },
      { token, action: 'read', tool: 'y'.repeat(200), pad: 'z'.repeat(17_000) },
    ];
    for (const body of bad) {
      const res = await h.call(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await res.json()).error).toBe('invalid_request');
    }
    const wrongType = await h.call({ token, action: 'read' }, GATEWAY_KEY, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);
    expect(await h.events('credential.rejected')).toHaveLength(bad.length + 1);
  });

  it('re-decides by policy at the current risk: a grant issued at low risk is refused at high risk', async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('up:files:read', 'task-1', 'later-risky');
    expect((await h.call({ token, action: 'read' })).status).toBe(200);
    h.deps.agents = createAgentRegistry([...h.deps.config.agents, { id: 'spiffe://example.org/agent/later-risky', owner: 'team-a', approvers: [], risk: 'high' }]);
    const res = await h.call({ token, action: 'read' });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('access_denied');
    const [e] = await h.events('credential.denied');
    expect(e).toMatchObject({ decision: 'deny', policy_ids: ['forbid-high-risk-agent'] });
  });

  it('asks for a human when policy now wants an approval the grant did not have', async () => {
    const h = await gatewayHarness({
      configPatch: (c) => {
        c.policy = {
          schema_file: c.policy.schema_file,
          text: `@id("write-low") permit (principal, action == Tollgate::Action::"write", resource) when { principal.risk == "low" };
                 @id("write-medium-approved") @approval("owner") permit (principal, action == Tollgate::Action::"write", resource) when { principal.risk == "medium" };`,
        };
      },
    });
    const token = await h.grantToken('up:files:write');
    h.deps.agents = createAgentRegistry([{ id: 'spiffe://example.org/agent/demo', owner: 'team-a', approvers: [], risk: 'medium' }]);
    const res = await h.call({ token, action: 'write' });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error).toBe('authorization_pending');
    expect(h.upstream.issued).toEqual([]);
    expect(await h.events('credential.pending')).toMatchObject([{ decision: 'approval_required', policy_ids: ['write-medium-approved'] }]);
    expect(body.approval_id).toMatch(/^apr_/);
  });

  it('a grant a human approved at exchange is not asked about again per call', async () => {
    const h = await gatewayHarness({
      configPatch: (c) => {
        c.policy = {
          schema_file: c.policy.schema_file,
          text: `@id("write-approved") @approval("owner") permit (principal, action == Tollgate::Action::"write", resource);`,
        };
        c.approvals = { groups: { 'team-a': ['https://idp.example#olga'] } };
      },
    });
    const digest = 'sha256:' + 'ab'.repeat(32);
    // A write-capable grant whose per-call write needs the owner: approve it through the API.
    const wres = await h.exchange({ subject_token: await h.agentToken('demo', { ttl: 3600 }), scope: 'up:files:write', task_id: 'task-w' });
    const pendingGrant = await wres.json();
    expect(pendingGrant.error).toBe('authorization_pending');
    const owner = await h.human.mint('olga');
    const approveGrant = await h.app.request(`/v1/approvals/${pendingGrant.approval_id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${owner}` } });
    expect(approveGrant.status).toBe(200);
    const wgrant = await h.exchange({ subject_token: await h.agentToken('demo', { ttl: 3600 }), scope: 'up:files:write', task_id: 'task-w', approval_id: pendingGrant.approval_id });
    expect(wgrant.status).toBe(200);
    // That grant was approved by a human, so its calls go through without asking again.
    const wtoken = (await wgrant.json()).access_token;
    expect((await h.call({ token: wtoken, action: 'write', tool: 'files.write', arguments_digest: digest })).status).toBe(200);
  });

  it('per-call approval round trip: pending with an id, approved, served once, bound to the arguments', async () => {
    const h = await gatewayHarness({
      configPatch: (c) => {
        c.policy = {
          schema_file: c.policy.schema_file,
          text: `@id("write-low") permit (principal, action == Tollgate::Action::"write", resource) when { principal.risk == "low" };
                 @id("write-medium-approved") @approval("owner") permit (principal, action == Tollgate::Action::"write", resource) when { principal.risk == "medium" };`,
        };
        c.approvals = { groups: { 'team-a': ['https://idp.example#olga'] } };
      },
    });
    const token = await h.grantToken('up:files:write');
    // Risk rises after the grant was issued (an admin, or a signal): writes now need the owner.
    const risk = await h.adminRequest('/v1/risk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/demo', level: 'medium', reason: 'anomaly' }) });
    expect(risk.status).toBe(200);
    const digest = 'sha256:' + 'cd'.repeat(32);
    const call = { token, action: 'write', tool: 'files.delete_draft', arguments_digest: digest };
    const first = await h.call(call);
    const { approval_id: id } = await first.json();
    expect(id).toMatch(/^apr_/);
    const owner = await h.human.mint('olga');
    const view = await (await h.app.request(`/v1/approvals/${id}`, { headers: { authorization: `Bearer ${owner}` } })).json();
    expect(view).toMatchObject({ kind: 'call', tool: 'files.delete_draft', arguments_digest: digest, actions: ['write'], status: 'pending' });
    // Before the answer the retry still waits.
    expect(await (await h.call({ ...call, approval_id: id })).json()).toMatchObject({ error: 'authorization_pending', approval_id: id });
    expect((await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${owner}` } })).status).toBe(200);
    // Other arguments cannot ride on it.
    const other = await h.call({ ...call, arguments_digest: 'sha256:' + 'ef'.repeat(32), approval_id: id });
    expect(other.status).toBe(400);
    expect((await other.json()).error).toBe('invalid_request');
    expect(h.upstream.issued).toEqual([]);
    const served = await h.call({ ...call, approval_id: id });
    expect(served.status).toBe(200);
    expect(h.upstream.issued).toHaveLength(1);
    const again = await h.call({ ...call, approval_id: id });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await h.events('approval.used')).length).toBe(1);
  });
});
