import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { CAEP, SIGNALS_AUDIENCE, transmitter, type Transmitter } from '../signals/transmitter.ts';
import { JWT_TYPE, workerHarness, type WorkerHarness } from './worker-harness.ts';

// The features that reach workerd only through the shared Hono app: human approvals, per-call
// credentials for gateways, risk signals, completed tasks staying closed, and /metrics. In
// workerd, on D1, end to end with real JWTs; the full suites of each run on Node
// (test/approvals, test/gateway, test/signals, test/http).
const GATEWAY_KEY = 'tgw_worker-gateway-key-0123456789abcdef';

let h: WorkerHarness;
let ssf: Transmitter;
beforeAll(async () => {
  ssf = await transmitter(() => Date.now());
  const gatewayKeyHash = await sha256Hex(GATEWAY_KEY);
  h = await workerHarness({
    configPatch: (c) => {
      c.trust.gateway_key_hashes = [gatewayKeyHash];
      c.trust.issuers.push({ name: 'ssf', issuer: ssf.issuer, kind: 'signals', jwks: { keys: [ssf.publicJwk] }, audiences: [SIGNALS_AUDIENCE], algorithms: ['ES256'] });
      // dev.cedar: a delete waits for the agent's owner, team-a; bob is in it.
      c.approvals = { ttl: '10m', groups: { 'team-a': ['bob@example.com'] } };
      // The human IdP vouches for verified emails, so bob's address counts.
      c.trust.issuers.find((i: { kind: string }) => i.kind === 'human').asserts = ['email'];
      // A restricted resource: read freely at low risk, with the owner's approval at medium (so a
      // per-call decision can differ from the exchange's once the agent's risk rises).
      c.resources.push({ id: 'demo:vault', provider: 'tollgate', classification: 'restricted', actions: { read: {} } });
      c.policy.text += `
@id("restricted-read-low")
permit (principal, action == Tollgate::Action::"read", resource) when { resource.classification == "restricted" && principal.risk == "low" };
@id("restricted-read-medium-approved")
@approval("owner")
permit (principal, action == Tollgate::Action::"read", resource) when { resource.classification == "restricted" && principal.risk == "medium" };
`;
    },
  });
}, 120_000);
afterAll(async () => h?.stop());

const json = (init: Omit<RequestInit, 'body'> & { body: unknown }): RequestInit => ({
  ...init,
  headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  body: JSON.stringify(init.body),
});
const asHuman = (token: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${await h.workload.mint('spiffe://example.org/gateway')}` });
  expect(res.status).toBe(200);
  return res.json();
}

async function grant(p: { agent?: string; task: string; scope?: string; human?: string }): Promise<{ access_token: string; grant_id: string }> {
  const params: Record<string, string> = { subject_token: await h.agentToken(p.agent), scope: p.scope ?? 'demo:reports:read', task_id: p.task };
  if (p.human) Object.assign(params, { subject_token: await h.human.mint(p.human), actor_token: await h.agentToken(p.agent), actor_token_type: JWT_TYPE });
  const res = await h.exchange(params);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('Worker (workerd, D1): human approvals', () => {
  it('a delete waits for the owner team; an entitled human approves; the retry gets the grant once', async () => {
    const agent = await h.agentToken('approver-test');
    const ask = { subject_token: agent, scope: 'demo:reports:delete', task_id: 'task-ap1', intent: 'drop a stale draft' };
    const first = await h.exchange(ask);
    expect(first.status).toBe(400);
    const pending = await first.json();
    expect(pending).toMatchObject({ error: 'authorization_pending', approval_id: expect.stringMatching(/^apr_/) });
    const id: string = pending.approval_id;

    // dave is not in team-a: he neither sees nor answers it.
    const dave = await h.human.mint('dave', { email: 'dave@example.com', groups: ['team-b'] });
    expect((await (await h.request('/v1/approvals', asHuman(dave))).json()).approvals).toEqual([]);
    const refused = await h.request(`/v1/approvals/${id}/approve`, asHuman(dave, { method: 'POST' }));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'access_denied' });

    // bob (team-a by config) lists it and approves.
    const bob = await h.human.mint('bob', { email: 'bob@example.com', email_verified: true });
    const list = await h.request('/v1/approvals', asHuman(bob));
    expect(list.status).toBe(200);
    const listed = (await list.json()).approvals;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, status: 'pending', agent: 'spiffe://example.org/agent/approver-test', task_id: 'task-ap1', resource: 'demo:reports', actions: ['delete'], intent: 'drop a stale draft', rules: ['owner'] });
    const ok = await h.request(`/v1/approvals/${id}/approve`, asHuman(bob, json({ method: 'POST', body: { reason: 'stale, go ahead' } })));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'approved', decisions: [{ rule: 'owner', by: 'https://idp.example#bob', verdict: 'approve', reason: 'stale, go ahead' }] });

    const issued = await h.exchange({ ...ask, approval_id: id });
    const body = await issued.json();
    expect(issued.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ scope: 'demo:reports:delete', task_id: 'task-ap1' });
    expect(await introspect(body.access_token)).toMatchObject({ active: true, grant_id: body.grant_id });
    expect(await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json()).toMatchObject({ status: 'active', approval: 'owner' });

    // Used once.
    const again = await h.exchange({ ...ask, approval_id: id });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await (await h.request(`/v1/approvals/${id}`, asHuman(bob))).json()).status).toBe('used');
  });
});

describe('Worker (workerd, D1): per-call credentials for gateways', () => {
  const call = (body: unknown, auth: string | null = GATEWAY_KEY) =>
    h.request('/v1/credentials', json({ method: 'POST', headers: auth === null ? {} : { authorization: `Bearer ${auth}` }, body }));

  it('serves the credential a read grant allows, refuses more, and nothing once the grant is revoked', async () => {
    const g = await grant({ task: 'task-gw1' });
    const res = await call({ token: g.access_token, action: 'read', resource: 'demo:reports', tool: 'reports.get', arguments_digest: 'sha256:' + 'ab'.repeat(32) });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ grant_id: g.grant_id, action: 'read', scope: 'demo:reports:read', task_id: 'task-gw1', token_type: 'Bearer', access_token: expect.any(String) });
    expect(body.expires_in).toBeGreaterThan(0);

    const more = await call({ token: g.access_token, action: 'delete' });
    expect(more.status).toBe(403);
    expect(await more.json()).toMatchObject({ error: 'insufficient_scope' });

    expect((await call({ token: g.access_token, action: 'read' }, null)).status).toBe(401);
    expect((await call({ token: g.access_token, action: 'read' }, 'tgw_wrong-key-0123456789abcdef')).status).toBe(401);

    expect((await h.form('/oauth/revoke', { token: g.access_token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    const dead = await call({ token: g.access_token, action: 'read' });
    expect(dead.status).toBe(400);
    expect(await dead.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a call policy now wants a human for waits, is approved, and is served once', async () => {
    const g = await grant({ agent: 'watched', task: 'task-gw3', scope: 'demo:vault:read' });
    const digest = 'sha256:' + 'cd'.repeat(32);
    const read = { token: g.access_token, action: 'read', tool: 'vault.get', arguments_digest: digest };
    expect((await call(read)).status).toBe(200);
    const risk = await h.adminRequest('/v1/risk', json({ method: 'POST', body: { agent: 'spiffe://example.org/agent/watched', level: 'medium', reason: 'anomaly' } }));
    expect(risk.status).toBe(200);

    const first = await call(read);
    expect(first.status).toBe(400);
    const pending = await first.json();
    expect(pending).toMatchObject({ error: 'authorization_pending', approval_id: expect.stringMatching(/^apr_/) });
    const id: string = pending.approval_id;
    const bob = await h.human.mint('bob', { email: 'bob@example.com', email_verified: true });
    expect(await (await h.request(`/v1/approvals/${id}`, asHuman(bob))).json()).toMatchObject({ kind: 'call', tool: 'vault.get', arguments_digest: digest, actions: ['read'], status: 'pending' });
    expect(await (await call({ ...read, approval_id: id })).json()).toMatchObject({ error: 'authorization_pending', approval_id: id });
    expect((await h.request(`/v1/approvals/${id}/approve`, asHuman(bob, { method: 'POST' }))).status).toBe(200);

    const other = await call({ ...read, arguments_digest: 'sha256:' + 'ef'.repeat(32), approval_id: id });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: 'invalid_request' });
    const served = await call({ ...read, approval_id: id });
    expect(served.status, await served.clone().text()).toBe(200);
    expect(await served.json()).toMatchObject({ grant_id: g.grant_id, action: 'read', access_token: expect.any(String) });
    const again = await call({ ...read, approval_id: id });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a completed task serves no more calls', async () => {
    const g = await grant({ task: 'task-gw2' });
    expect((await call({ token: g.access_token, action: 'read' })).status).toBe(200);
    expect((await h.adminRequest('/v1/tasks/task-gw2/complete', { method: 'POST' })).status).toBe(200);
    const dead = await call({ token: g.access_token, action: 'read' });
    expect(dead.status).toBe(400);
    expect(await dead.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('Worker (workerd, D1): risk signals', () => {
  const push = (set: string) => h.request('/v1/signals', { method: 'POST', headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' }, body: set });
  const sessionRevoked = (who: string, claims: Record<string, unknown> = {}) =>
    ssf.set({ [CAEP + 'session-revoked']: { event_timestamp: Math.floor(Date.now() / 1000) } }, { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: who }, ...claims });

  it('a CAEP session-revoked SET from the transmitter kills the principal’s grants at once', async () => {
    const mine = await grant({ human: 'alice', agent: 'orch', task: 'task-s1' });
    const bystander = await grant({ human: 'bob', agent: 'orch', task: 'task-s2' });
    expect((await introspect(mine.access_token)).active).toBe(true);
    const res = await push(await sessionRevoked('alice'));
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await introspect(mine.access_token)).toEqual({ active: false });
    expect((await introspect(bystander.access_token)).active).toBe(true);
    expect((await (await h.adminRequest(`/v1/grants/${mine.grant_id}`)).json()).status).toBe('revoked');
  });

  it('a SET addressed to another audience is refused and changes nothing', async () => {
    const g = await grant({ human: 'carol', agent: 'orch', task: 'task-s3', scope: 'demo:reports:write' });
    const res = await push(await sessionRevoked('carol', { aud: 'https://someone-else.example' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ err: 'invalid_audience' });
    expect((await introspect(g.access_token)).active).toBe(true);
    // carol's risk is unchanged: a write is still granted.
    await grant({ human: 'carol', agent: 'orch', task: 'task-s4', scope: 'demo:reports:write' });
  });

  it('POST /v1/risk with the admin key raises an agent and revokes what policy no longer permits', async () => {
    const read = await grant({ agent: 'raised', task: 'task-r1' });
    const write = await grant({ agent: 'raised', task: 'task-r2', scope: 'demo:reports:write' });
    const body = { agent: 'spiffe://example.org/agent/raised', level: 'medium', reason: 'suspicious tool use' };
    expect((await h.request('/v1/risk', json({ method: 'POST', body }))).status).toBe(401);
    const res = await h.adminRequest('/v1/risk', json({ method: 'POST', body }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ agent: body.agent, level: 'medium', previous_level: null, revoked: 1, revocation_ids: [expect.stringMatching(/^rev_/)] });
    expect((await introspect(write.access_token)).active).toBe(false);
    expect((await introspect(read.access_token)).active).toBe(true);
    const denied = await h.exchange({ subject_token: await h.agentToken('raised'), scope: 'demo:reports:write', task_id: 'task-r3' });
    expect(denied.status).toBe(403);
  });
});

describe('Worker (workerd, D1): completed tasks stay closed', () => {
  it('an exchange for a completed task is access_denied', async () => {
    await grant({ task: 'task-done' });
    expect((await h.adminRequest('/v1/tasks/task-done/complete', { method: 'POST' })).status).toBe(200);
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 'task-done' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'access_denied' });
    // Another task of the same agent is unaffected.
    await grant({ task: 'task-open' });
  });
});

describe('Worker (workerd, D1): metrics', () => {
  it('GET /metrics answers Prometheus text to an admin only', async () => {
    expect((await h.request('/metrics')).status).toBe(401);
    const res = await h.adminRequest('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^tollgate_store_up 1$/m);
    expect(text).toMatch(/^# TYPE tollgate_grants_live gauge$/m);
    expect(text).toMatch(/^tollgate_grants_live(\{[^}]*\})? \d+$/m);
  });
});
