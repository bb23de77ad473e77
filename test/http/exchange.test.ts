import { describe, expect, it, beforeAll } from 'vitest';
import { decodeJwt, decodeProtectedHeader, jwtVerify, createLocalJWKSet } from 'jose';
import { harness, ISSUER, JWT_TYPE, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

async function ok(res: Response) {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as Record<string, any>;
}

describe('token exchange: autonomous agent', () => {
  it('issues an RFC 9068 grant token for a permitted read', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', intent: 'summarise Q3 reports' });
    const body = await ok(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ issued_token_type: JWT_TYPE, token_type: 'Bearer', scope: 'demo:reports:read', task_id: 'task-1' });
    expect(body.grant_id).toMatch(/^grt_/);
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: 'sig-1' });
    // Verifiable by anyone with the published JWKS.
    const jwks = await (await h.app.request('/.well-known/jwks.json')).json();
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'spiffe://example.org/agent/demo', client_id: 'spiffe://example.org/agent/demo', scope: 'demo:reports:read', task_id: 'task-1', grant_id: body.grant_id, jti: body.grant_id });
    expect(payload.act).toBeUndefined();
    expect(payload.exp! - payload.iat!).toBe(body.expires_in);
  });

  it('caps the lifetime at the minimum of requested, policy, agent and input-token limits', async () => {
    // requested 2h, policy read cap 1h, agent max 1h → 1h
    let body = await ok(await h.exchange({ subject_token: await h.agentToken('demo', { ttl: 7200 }), scope: 'demo:reports:read', requested_ttl: '7200' }));
    expect(body.expires_in).toBe(3600);
    // write: policy caps at 15 minutes
    body = await ok(await h.exchange({ subject_token: await h.agentToken('demo', { ttl: 7200 }), scope: 'demo:reports:write' }));
    expect(body.expires_in).toBe(900);
    // requested shorter wins
    body = await ok(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', requested_ttl: '120' }));
    expect(body.expires_in).toBe(120);
    // agent max_ttl of 60 s wins
    body = await ok(await h.exchange({ subject_token: await h.agentToken('short'), scope: 'demo:reports:read' }));
    expect(body.expires_in).toBe(60);
    // the subject token expires in 30 s: the grant never outlives it
    body = await ok(await h.exchange({ subject_token: await h.agentToken('demo', { ttl: 30 }), scope: 'demo:reports:read' }));
    expect(body.expires_in).toBe(30);
  });

  it('narrows a multi-action request to what policy permits', async () => {
    const body = await ok(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read demo:reports:admin' }));
    expect(body.scope).toBe('demo:reports:read');
  });

  it('accepts the resource named by RFC 8707 resource/audience with bare actions', async () => {
    const body = await ok(await h.exchange({ subject_token: await h.agentToken(), resource: 'demo:reports', scope: 'read' }));
    expect(body.scope).toBe('demo:reports:read');
  });

  it('hands out the upstream credential only when asked, and records only its fingerprint', async () => {
    const body = await ok(await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:db:read', requested_token_type: 'urn:tollgate:token-type:secret' }));
    expect(body).toMatchObject({ access_token: 's3cr3t-value', issued_token_type: 'urn:tollgate:token-type:secret', token_type: 'N_A' });
    const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
    expect(grant.credential_fingerprint).toMatch(/^sha256:/);
    const audit = await (await h.adminRequest('/v1/audit?after=0&limit=10000')).text();
    expect(audit).not.toContain('s3cr3t-value');
  });
});

describe('token exchange: delegation', () => {
  it('carries the human as subject and the agent as act', async () => {
    const body = await ok(
      await h.exchange({ subject_token: await h.human.mint('alice'), actor_token: await h.agentToken('orchestrator'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' }),
    );
    const claims = decodeJwt(body.access_token);
    expect(claims.sub).toBe('https://idp.example#alice');
    expect(claims.client_id).toBe('spiffe://example.org/agent/orchestrator');
    expect(claims.act).toEqual({ sub: 'spiffe://example.org/agent/orchestrator', iss: 'https://workload.example' });
  });

  it('nests act for a sub-agent and only narrows', async () => {
    const parent = await ok(
      await h.exchange({ subject_token: await h.human.mint('alice'), actor_token: await h.agentToken('orchestrator'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read demo:reports:write' }),
    );
    const child = await ok(
      await h.exchange({ subject_token: parent.access_token, actor_token: await h.agentToken('sub'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' }),
    );
    const claims = decodeJwt(child.access_token);
    expect(claims.sub).toBe('https://idp.example#alice');
    expect(claims.act).toEqual({
      sub: 'spiffe://example.org/agent/sub',
      iss: 'https://workload.example',
      act: { sub: 'spiffe://example.org/agent/orchestrator', iss: 'https://workload.example' },
    });
    expect(child.expires_in).toBeLessThanOrEqual(parent.expires_in);

    // Escalation through the chain: an action the parent does not hold.
    const esc = await h.exchange({ subject_token: parent.access_token, actor_token: await h.agentToken('sub'), actor_token_type: JWT_TYPE, scope: 'demo:reports:delete' });
    expect(esc.status).toBe(400);
    expect((await esc.json()).error).toBe('invalid_scope');
    // Another resource.
    const other = await h.exchange({ subject_token: parent.access_token, scope: 'demo:db:read' });
    expect((await other.json()).error).toBe('invalid_scope');
    // TTL extension attempt: asking for more than the parent has left gets the parent's remainder at most.
    const longer = await ok(await h.exchange({ subject_token: parent.access_token, scope: 'demo:reports:read', requested_ttl: '86400' }));
    expect(longer.expires_in).toBeLessThanOrEqual(parent.expires_in);
    // Another task.
    const task = await h.exchange({ subject_token: parent.access_token, scope: 'demo:reports:read', task_id: 'other-task' });
    expect((await task.json()).error).toBe('invalid_request');
  });

  it('refuses chains deeper than the limit', async () => {
    let token = (await ok(await h.exchange({ subject_token: await h.human.mint('bob'), actor_token: await h.agentToken('a0'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' }))).access_token;
    // depth 2 and 3 are allowed by the server limit (3), but policy forbids depth > 2
    token = (await ok(await h.exchange({ subject_token: token, actor_token: await h.agentToken('a1'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' }))).access_token;
    const policyDenied = await h.exchange({ subject_token: token, actor_token: await h.agentToken('a2'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' });
    expect(policyDenied.status).toBe(403);
  });

  it('refuses chains deeper than server.limits.max_delegation_depth before policy runs', async () => {
    const shallow = await harness({ configPatch: (c) => (c.server.limits = { max_delegation_depth: 1 }) });
    const first = await ok(
      await shallow.exchange({ subject_token: await shallow.human.mint('bob'), actor_token: await shallow.agentToken('a0'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' }),
    );
    const res = await shallow.exchange({ subject_token: first.access_token, actor_token: await shallow.agentToken('a1'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'delegation chain deeper than 1' });
  });

  it('requires the agent as actor when the subject is a human', async () => {
    const res = await h.exchange({ subject_token: await h.human.mint('alice'), scope: 'demo:reports:read' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses an actor token without its type', async () => {
    const res = await h.exchange({ subject_token: await h.human.mint('alice'), actor_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a human token as actor', async () => {
    const res = await h.exchange({ subject_token: await h.human.mint('alice'), actor_token: await h.human.mint('mallory'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' });
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('token exchange: policy', () => {
  it('denies with 403 and audits the deciding policy', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken('risky'), scope: 'demo:reports:read', intent: 'export all reports' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'access_denied' });
    const events = (await (await h.adminRequest('/v1/audit?after=0&limit=10000')).text()).trim().split('\n').map((l) => JSON.parse(l));
    const denial = events.filter((e) => e.type === 'exchange.denied').at(-1);
    expect(denial).toMatchObject({ agent: 'spiffe://example.org/agent/risky', decision: 'deny', resource: 'demo:reports', detail: { intent: 'export all reports' } });
    expect(denial.policy_ids).toContain('forbid-high-risk-agent');
  });

  it('denies by default what no policy permits', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:vault:read' });
    expect(res.status).toBe(403);
  });

  it('holds a grant for approval and answers authorization_pending with an approval_id', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', intent: 'clean up' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('authorization_pending');
    expect(body.approval_id).toMatch(/^apr_/);
    const approval = await (await h.adminRequest(`/v1/approvals/${body.approval_id}`)).json();
    expect(approval).toMatchObject({ status: 'pending', kind: 'grant', rules: ['owner'], intent: 'clean up', actions: ['delete'] });
    const grant = await (await h.adminRequest(`/v1/grants/${approval.grant_id}`)).json();
    expect(grant).toMatchObject({ status: 'pending_approval', approval: 'owner', scope: 'demo:reports:delete' });
    // Retrying before a decision still waits.
    const retry = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', intent: 'clean up', approval_id: body.approval_id });
    expect(await retry.json()).toMatchObject({ error: 'authorization_pending', approval_id: body.approval_id });
    // Someone else's approval id is unknown to them.
    const foreign = await h.exchange({ subject_token: await h.agentToken('other'), scope: 'demo:reports:delete', approval_id: body.approval_id });
    expect(await foreign.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses unregistered agents', async () => {
    const token = await h.workload.mint('spiffe://example.org/service/unknown');
    const res = await h.exchange({ subject_token: token, scope: 'demo:reports:read' });
    expect(await res.json()).toMatchObject({ error: 'unauthorized_client' });
  });
});
