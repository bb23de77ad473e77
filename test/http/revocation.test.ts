import { describe, expect, it, beforeAll } from 'vitest';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

async function grant(opts: { agent?: string; task?: string; scope?: string; human?: string } = {}) {
  const params: Record<string, string> = { scope: opts.scope ?? 'demo:reports:read', task_id: opts.task ?? 'task-r' };
  if (opts.human) {
    params.subject_token = await h.human.mint(opts.human);
    params.actor_token = await h.agentToken(opts.agent ?? 'demo');
    params.actor_token_type = JWT_TYPE;
  } else {
    params.subject_token = await h.agentToken(opts.agent ?? 'demo');
  }
  const res = await h.exchange(params);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as { access_token: string; grant_id: string };
}

async function waitFinished(id: string) {
  for (let i = 0; i < 500; i++) {
    const r = await (await h.adminRequest(`/v1/revocations/${id}`)).json();
    if (r.status === 'finished') return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('revocation did not finish');
}

async function introspect(token: string) {
  const res = await h.adminRequest('/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  expect(res.status).toBe(200);
  return res.json() as Promise<Record<string, any>>;
}

describe('introspection (RFC 7662)', () => {
  it('reports an active grant token with its grant fields', async () => {
    const g = await grant({ human: 'alice', agent: 'orch' });
    const info = await introspect(g.access_token);
    expect(info).toMatchObject({ active: true, scope: 'demo:reports:read', sub: 'https://idp.example#alice', client_id: 'spiffe://example.org/agent/orch', grant_id: g.grant_id, task_id: 'task-r', act: { sub: 'spiffe://example.org/agent/orch' } });
    expect(typeof info.exp).toBe('number');
  });

  it('needs an authenticated caller: admin or a listed gateway, never an agent', async () => {
    const g = await grant();
    const body = new URLSearchParams({ token: g.access_token }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await h.app.request('/oauth/introspect', { method: 'POST', headers, body })).status).toBe(401);
    const agent = await h.app.request('/oauth/introspect', { method: 'POST', headers: { ...headers, authorization: `Bearer ${await h.agentToken()}` }, body });
    expect(agent.status).toBe(401);
    const gw = await h.workload.mint('spiffe://example.org/gateway');
    const ok = await h.app.request('/oauth/introspect', { method: 'POST', headers: { ...headers, authorization: `Bearer ${gw}` }, body });
    expect(await ok.json()).toMatchObject({ active: true });
  });

  it('says inactive for garbage, foreign tokens and expired grants', async () => {
    expect(await introspect('garbage')).toEqual({ active: false });
    expect(await introspect(await h.agentToken())).toEqual({ active: false });
    const g = await grant();
    h.clock.now += 2 * 3600 * 1000;
    try {
      expect(await introspect(g.access_token)).toEqual({ active: false });
    } finally {
      h.clock.now -= 2 * 3600 * 1000;
    }
  });
});

describe('revocation', () => {
  it('RFC 7009: the holder revokes its token; every path then treats it as dead', async () => {
    const g = await grant();
    const res = await h.form('/oauth/revoke', { token: g.access_token }, { authorization: `Bearer ${await h.agentToken()}` });
    expect(res.status).toBe(200);
    expect(await introspect(g.access_token)).toEqual({ active: false });
    const reuse = await h.exchange({ subject_token: g.access_token, scope: 'demo:reports:read', task_id: 'task-r' });
    expect(reuse.status).toBe(400);
    const row = await (await h.adminRequest(`/v1/grants/${g.grant_id}`)).json();
    expect(row.status).toBe('revoked');
  });

  it('RFC 7009: unknown and malformed tokens answer 200', async () => {
    expect((await h.form('/oauth/revoke', { token: 'nothing-we-issued' }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    expect((await h.form('/oauth/revoke', { token: await h.agentToken() }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    expect((await h.form('/oauth/revoke', {}, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(400);
  });

  it('RFC 7009: revokes an upstream credential by its fingerprint', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:db:read', requested_token_type: 'urn:tollgate:token-type:secret', task_id: 'task-secret' });
    const body = await res.json();
    await h.form('/oauth/revoke', { token: body.access_token }, { authorization: `Bearer ${await h.agentToken()}` });
    expect((await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json()).status).toBe('revoked');
  });

  it('revoking a parent kills what sub-agents derived from it', async () => {
    const parent = await grant({ human: 'carol', agent: 'orch', task: 'task-chain' });
    const childRes = await h.exchange({ subject_token: parent.access_token, actor_token: await h.agentToken('sub'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 'task-chain' });
    const child = await childRes.json();
    expect((await introspect(child.access_token)).active).toBe(true);
    await h.form('/oauth/revoke', { token: parent.access_token }, { authorization: `Bearer ${await h.agentToken('orch')}` });
    expect(await introspect(child.access_token)).toEqual({ active: false });
  });

  it('completing a task revokes its grants: the agent its own, an admin all', async () => {
    const mine = await grant({ agent: 'a', task: 'task-done' });
    const theirs = await grant({ agent: 'b', task: 'task-done' });
    const other = await grant({ agent: 'a', task: 'task-other' });
    const res = await h.app.request('/v1/tasks/task-done/complete', { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken('a')}` } });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.revoked.map((r: any) => r.grant_id)).toEqual([mine.grant_id]);
    expect((await introspect(theirs.access_token)).active).toBe(true);
    expect((await introspect(other.access_token)).active).toBe(true);
    const admin = await h.adminRequest('/v1/tasks/task-done/complete', { method: 'POST' });
    expect((await admin.json()).revoked.map((r: any) => r.grant_id)).toEqual([theirs.grant_id]);
    // with a grant token of the task
    const g = await grant({ agent: 'c', task: 'task-tok' });
    const byToken = await h.app.request('/v1/tasks/task-tok/complete', { method: 'POST', headers: { authorization: `Bearer ${g.access_token}` } });
    expect((await byToken.json()).revoked).toHaveLength(1);
    // a grant token of another task cannot end this one
    const g2 = await grant({ agent: 'c', task: 'task-x' });
    expect((await h.app.request('/v1/tasks/task-y/complete', { method: 'POST', headers: { authorization: `Bearer ${g2.access_token}` } })).status).toBe(401);
  });

  it('mass revocation by filter, with dry_run and block', async () => {
    const victims = [await grant({ agent: 'mass-1', task: 't1' }), await grant({ agent: 'mass-1', task: 't2' })];
    const bystander = await grant({ agent: 'mass-2', task: 't1' });
    const dry = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/mass-1', dry_run: true }) });
    expect(await dry.json()).toEqual({ dry_run: true, matched: 2 });
    for (const v of victims) expect((await introspect(v.access_token)).active).toBe(true);

    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/mass-1', block: true, reason: 'compromised' }) });
    expect(res.status).toBe(202);
    const rec = await res.json();
    expect(rec).toMatchObject({ block: true, reason: 'compromised' });
    expect(res.headers.get('location')).toBe(`/v1/revocations/${rec.revocation_id}`);
    // Dead on every path as soon as the call returns, whether or not the batches have run.
    for (const v of victims) expect((await introspect(v.access_token)).active).toBe(false);
    expect((await introspect(bystander.access_token)).active).toBe(true);
    // blocked: new grants are refused
    const again = await h.exchange({ subject_token: await h.agentToken('mass-1'), scope: 'demo:reports:read' });
    expect(again.status).toBe(403);
    const status = await waitFinished(rec.revocation_id);
    expect(status).toMatchObject({ revocation_id: rec.revocation_id, status: 'finished', revoked: 2 });
    for (const v of victims) expect((await (await h.adminRequest(`/v1/grants/${v.grant_id}`)).json()).status).toBe('revoked');
  });

  it('refuses a revocation without a filter, or with unknown or hostile fields', async () => {
    const post = (body: unknown) => h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({})).status).toBe(400);
    expect((await post({ all: true, agent: 'x' })).status).toBe(400);
    expect((await post({ colour: 'red' })).status).toBe(400);
    expect((await post({ grant_ids: ["' OR 1=1 --"] })).status).toBe(400);
    const sqlish = await (await post({ agent: "x' OR '1'='1", dry_run: true })).json();
    expect(sqlish).toEqual({ dry_run: true, matched: 0 });
  });

  it('admin routes refuse agents, humans and wrong keys', async () => {
    for (const token of [await h.agentToken(), await h.human.mint('alice'), 'tgk_wrong', (await grant()).access_token]) {
      const res = await h.app.request('/v1/grants', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    }
    expect((await h.app.request('/v1/grants')).status).toBe(401);
    const adminJwt = await h.admin.mint('sec-team', { aud: 'tollgate-admin' });
    expect((await h.app.request('/v1/grants', { headers: { authorization: `Bearer ${adminJwt}` } })).status).toBe(200);
  });
});
