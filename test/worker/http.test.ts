import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, createLocalJWKSet, jwtVerify } from 'jose';
import { JWT_TYPE, workerHarness, type WorkerHarness } from './worker-harness.ts';

// The HTTP interface in workerd, on D1: token exchange, introspection, revocation (RFC 7009, task,
// mass), inventory and the audit chain, end to end with real JWTs. The same endpoints' full suites
// run on Node (test/http); this is the subset that proves the Worker build serves them the same.
let h: WorkerHarness;
beforeAll(async () => {
  h = await workerHarness();
}, 120_000);
afterAll(async () => h?.stop());

const gateway = () => h.workload.mint('spiffe://example.org/gateway');
async function introspect(token: string) {
  const res = await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${await gateway()}` });
  expect(res.status).toBe(200);
  return res.json();
}
async function grant(p: { agent?: string; task?: string; scope?: string; human?: string } = {}) {
  const params: Record<string, string> = { subject_token: await h.agentToken(p.agent), scope: p.scope ?? 'demo:reports:read', task_id: p.task ?? 'task-1' };
  if (p.human) Object.assign(params, { subject_token: await h.human.mint(p.human), actor_token: await h.agentToken(p.agent), actor_token_type: JWT_TYPE });
  const res = await h.exchange(params);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('Worker (workerd, D1): token exchange', () => {
  it('issues an at+jwt grant token signed by a key its JWKS publishes', async () => {
    const body = await grant({ task: 'task-x1' });
    expect(body).toMatchObject({ issued_token_type: JWT_TYPE, token_type: 'Bearer', scope: 'demo:reports:read', task_id: 'task-x1' });
    expect(body.grant_id).toMatch(/^grt_/);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ typ: 'at+jwt', kid: 'sig-1' });
    const jwks = await (await h.request('/.well-known/jwks.json')).json();
    expect(jwks.keys[0].d).toBeUndefined();
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: 'https://tollgate.test' });
    expect(payload).toMatchObject({ sub: 'spiffe://example.org/agent/demo', grant_id: body.grant_id, task_id: 'task-x1' });
  });

  it('delegation: the human is the subject, the agent the actor', async () => {
    const body = await grant({ human: 'alice', task: 'task-x2', scope: 'demo:reports:write' });
    const claims = decodeJwt(body.access_token);
    expect(claims.sub).toBe('https://idp.example#alice');
    expect(claims.act).toMatchObject({ sub: 'spiffe://example.org/agent/demo' });
  });

  it('refuses what it must: a forged token, an unknown resource, a wait for approval', async () => {
    const forged = await h.exchange({ subject_token: (await h.agentToken()).slice(0, -4) + 'AAAA', scope: 'demo:reports:read' });
    expect(forged.status).toBe(400);
    expect((await forged.json()).error).toBe('invalid_request');
    const unknown = await h.exchange({ subject_token: await h.agentToken(), scope: 'nope:thing:read' });
    expect((await unknown.json()).error).toBe('invalid_target');
    const wait = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', task_id: 'task-x3' });
    expect(wait.status).toBe(400);
    expect(await wait.json()).toMatchObject({ error: 'authorization_pending', approval_id: expect.stringMatching(/^apr_/) });
  });

  it('a sealed secret is released under a grant', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:db:read', requested_token_type: 'urn:tollgate:token-type:secret', task_id: 'task-x4' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.access_token).toBe('s3cr3t-value');
  });
});

describe('Worker (workerd, D1): introspection and revocation', () => {
  it('introspection reports an active grant to a gateway, and refuses an agent', async () => {
    const g = await grant({ task: 'task-i1' });
    expect(await introspect(g.access_token)).toMatchObject({ active: true, scope: 'demo:reports:read', grant_id: g.grant_id, task_id: 'task-i1', client_id: 'spiffe://example.org/agent/demo' });
    const asAgent = await h.form('/oauth/introspect', { token: g.access_token }, { authorization: `Bearer ${await h.agentToken()}` });
    expect(asAgent.status).toBe(401);
  });

  it('RFC 7009: after revocation every path treats the token as dead', async () => {
    const g = await grant({ task: 'task-r1' });
    expect((await h.form('/oauth/revoke', { token: g.access_token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    expect(await introspect(g.access_token)).toEqual({ active: false });
    expect((await h.exchange({ subject_token: g.access_token, scope: 'demo:reports:read', task_id: 'task-r1' })).status).toBe(400);
    expect((await (await h.adminRequest(`/v1/grants/${g.grant_id}`)).json()).status).toBe('revoked');
    expect((await h.form('/oauth/revoke', { token: 'nothing-we-issued' }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
  });

  it('completing a task revokes its grants, with receipts', async () => {
    const a = await grant({ task: 'task-c1' });
    const b = await grant({ task: 'task-c1', scope: 'demo:reports:write' });
    const res = await h.request('/v1/tasks/task-c1/complete', { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken()}` } });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.revoked.map((r: { grant_id: string }) => r.grant_id).sort()).toEqual([a.grant_id, b.grant_id].sort());
    expect(body.revoked.every((r: { status: string }) => r.status === 'revoked')).toBe(true);
    expect((await introspect(b.access_token)).active).toBe(false);
  });

  it('mass revocation: dry run, then revoke and block, dead at once', async () => {
    const victims = [await grant({ agent: 'mass-1', task: 't1' }), await grant({ agent: 'mass-1', task: 't2' })];
    const bystander = await grant({ agent: 'mass-2', task: 't1' });
    const post = (body: unknown) => h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await (await post({ agent: 'spiffe://example.org/agent/mass-1', dry_run: true })).json()).toEqual({ dry_run: true, matched: 2 });
    const res = await post({ agent: 'spiffe://example.org/agent/mass-1', block: true, reason: 'compromised' });
    expect(res.status).toBe(202);
    const rec = await res.json();
    for (const v of victims) expect((await introspect(v.access_token)).active).toBe(false);
    expect((await introspect(bystander.access_token)).active).toBe(true);
    expect((await h.exchange({ subject_token: await h.agentToken('mass-1'), scope: 'demo:reports:read' })).status).toBe(403);
    // Whatever the request left unfinished, the Cron Trigger's reconciliation finishes.
    await h.worker.scheduled();
    const status = await (await h.adminRequest(`/v1/revocations/${rec.revocation_id}`)).json();
    expect(status).toMatchObject({ revocation_id: rec.revocation_id, status: 'finished', revoked: 2 });
  });

  it('admin routes refuse agents and wrong keys', async () => {
    expect((await h.request('/v1/grants', { headers: { authorization: `Bearer ${await h.agentToken()}` } })).status).toBe(401);
    expect((await h.request('/v1/grants', { headers: { authorization: 'Bearer tgk_wrong-key-0123456789abcdef' } })).status).toBe(401);
    const list = await (await h.adminRequest('/v1/grants?agent=spiffe://example.org/agent/mass-2')).json();
    expect(list.grants.map((g: { agent: string }) => g.agent)).toEqual(['spiffe://example.org/agent/mass-2']);
  });
});

describe('Worker (workerd, D1): audit', () => {
  it('every step is in the hash chain, which verifies', async () => {
    const g = await grant({ task: 'task-a1' });
    await h.form('/oauth/revoke', { token: g.access_token }, { authorization: `Bearer ${await h.agentToken()}` });
    const res = await h.adminRequest('/v1/audit?after=0&limit=1000');
    expect(res.status).toBe(200);
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    const mine = events.filter((e) => e.grant_id === g.grant_id).map((e) => e.type);
    expect(mine).toEqual(expect.arrayContaining(['grant.issuing', 'grant.active', 'grant.revoked']));
    for (let i = 1; i < events.length; i++) expect(events[i].prev_hash).toBe(events[i - 1].hash);
    const verify = await (await h.adminRequest('/v1/audit/verify')).json();
    expect(verify).toMatchObject({ ok: true, problems: [] });
    expect(verify.checked).toBe(events.length);
  });
});
