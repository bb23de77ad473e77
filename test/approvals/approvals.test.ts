import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { hmacHex } from '../../src/approvals/webhook.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';
import { ROOT } from '../support/paths.ts';

// Delegated writes wait for the human the agent acts for; deletes (dev.cedar) for the agent's owner.
const DELEGATED_WRITE = `
@id("delegated-write-needs-principal")
@approval("principal")
@max_ttl("10m")
permit (principal, action == Tollgate::Action::"write", resource) when { context.delegated };
`;

async function approvalsHarness(patch?: (c: Record<string, any>) => void): Promise<Harness> {
  return harness({
    configPatch: (c) => {
      const file = join(mkdtempSync(join(tmpdir(), 'tollgate-policy-')), 'delegated.cedar');
      writeFileSync(file, DELEGATED_WRITE);
      c.policy.files = [join(ROOT, 'config/policies/dev.cedar'), file];
      c.approvals = { ttl: '10m', groups: { 'team-a': ['bob@example.com'] } };
      patch?.(c);
    },
  });
}

function delegatedExchange(h: Harness, human: string, agent: string, params: Record<string, string>) {
  return h.exchange({ subject_token: human, actor_token: agent, actor_token_type: JWT_TYPE, task_id: 'task-w', ...params });
}

const answer = (h: Harness, id: string, verdict: 'approve' | 'deny', token: string, body?: unknown) =>
  h.app.request(`/v1/approvals/${id}/${verdict}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

const get = async (h: Harness, path: string, token: string): Promise<Response> => h.app.request(path, { headers: { authorization: `Bearer ${token}` } });

async function auditTypes(h: Harness): Promise<string[]> {
  const types: string[] = [];
  for await (const e of readAllEvents(h.deps.store)) types.push(e.type);
  return types;
}

describe('approvals: a delegated write waits for the delegating human', () => {
  let h: Harness;
  let alice: string;
  let agent: string;
  beforeEach(async () => {
    h = await approvalsHarness();
    alice = await h.human.mint('alice', { email: 'alice@example.com' });
    agent = await h.agentToken();
  });

  it('waits, is approved by alice, then issues exactly once', async () => {
    const first = await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', intent: 'fix typo in Q3 report' });
    expect(first.status).toBe(400);
    const pending = await first.json();
    expect(pending).toMatchObject({ error: 'authorization_pending' });
    const id: string = pending.approval_id;
    expect(id).toMatch(/^apr_/);

    // Alice sees who asks, for what, and why.
    const list = await (await get(h, '/v1/approvals', alice)).json();
    expect(list.approvals).toHaveLength(1);
    expect(list.approvals[0]).toMatchObject({
      id,
      status: 'pending',
      agent: 'spiffe://example.org/agent/demo',
      principal: 'https://idp.example#alice',
      task_id: 'task-w',
      resource: 'demo:reports',
      actions: ['write'],
      intent: 'fix typo in Q3 report',
      rules: ['principal'],
    });

    // Still waiting: the retry says so.
    const early = await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', intent: 'fix typo in Q3 report', approval_id: id });
    expect(await early.json()).toMatchObject({ error: 'authorization_pending', approval_id: id });

    const ok = await answer(h, id, 'approve', alice, { reason: 'go ahead' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'approved', decisions: [{ rule: 'principal', by: 'https://idp.example#alice', verdict: 'approve', reason: 'go ahead' }] });

    const issued = await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', intent: 'fix typo in Q3 report', approval_id: id });
    expect(issued.status).toBe(200);
    const body = await issued.json();
    expect(body).toMatchObject({ scope: 'demo:reports:write', task_id: 'task-w' });
    const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
    expect(grant).toMatchObject({ status: 'active', principal: 'https://idp.example#alice', approval: 'principal' });
    const intro = await h.form('/oauth/introspect', { token: body.access_token }, { authorization: `Bearer ${await h.workload.mint('spiffe://example.org/gateway')}` });
    expect(await intro.json()).toMatchObject({ active: true });

    // Used once: a second retry gets nothing.
    const again = await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', intent: 'fix typo in Q3 report', approval_id: id });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await (await get(h, `/v1/approvals/${id}`, alice)).json()).status).toBe('used');
    // And it cannot be answered again.
    expect((await answer(h, id, 'approve', alice)).status).toBe(409);

    const types = await auditTypes(h);
    expect(types).toEqual(expect.arrayContaining(['grant.pending_approval', 'approval.answered', 'approval.used', 'grant.issuing', 'grant.active']));
    expect((await verifyChain(readAllEvents(h.deps.store), await h.deps.store.auditHead())).ok).toBe(true);
  });

  it('refuses an approval used for another request', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    await answer(h, id, 'approve', alice);
    // More than what was approved, another task, another intent: each is a different request.
    const variants: Record<string, string>[] = [
      { scope: 'demo:reports:write demo:reports:read', approval_id: id },
      { scope: 'demo:reports:write', approval_id: id, intent: 'something else' },
      { scope: 'demo:reports:write', approval_id: id, requested_token_type: 'urn:ietf:params:oauth:token-type:jwt', task_id: 'task-other' },
    ];
    for (const params of variants) {
      const res = await delegatedExchange(h, alice, agent, params);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(/invalid_request/);
    }
    expect(await auditTypes(h)).toContain('approval.refused');
    // The approved request itself still works.
    expect((await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', approval_id: id })).status).toBe(200);
  });

  it('lets only entitled humans answer', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    const mallory = await h.human.mint('mallory', { email: 'mallory@example.com' });
    const refused = await answer(h, id, 'approve', mallory);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'access_denied' });
    // Mallory does not even see it.
    expect((await (await get(h, '/v1/approvals', mallory)).json()).approvals).toHaveLength(0);
    expect((await get(h, `/v1/approvals/${id}`, mallory)).status).toBe(404);
    // An agent's token or an admin key never approves, and no token at all is 401.
    expect((await answer(h, id, 'approve', agent)).status).toBe(401);
    expect((await answer(h, id, 'approve', 'tgk_test-admin-key-0123456789abcdef')).status).toBe(401);
    expect((await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST' })).status).toBe(401);
    // A token for the right name from an untrusted issuer is no one.
    const forged = await (await (await import('../support/keys.ts')).testIssuer('https://idp.example', 'idp-1', 'tollgate')).mint('alice');
    expect((await answer(h, id, 'approve', forged)).status).toBe(401);
    expect(await auditTypes(h)).toContain('approval.refused');
    // Still pending after all that.
    expect((await (await get(h, `/v1/approvals/${id}`, alice)).json()).status).toBe('pending');
  });

  it('a denial ends the request and denies its grant', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    const res = await answer(h, id, 'deny', alice, { reason: 'not today' });
    expect(await res.json()).toMatchObject({ status: 'denied' });
    const retry = await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', approval_id: id });
    expect(await retry.json()).toMatchObject({ error: 'access_denied' });
    const view = await (await h.adminRequest(`/v1/approvals/${id}`)).json();
    expect((await (await h.adminRequest(`/v1/grants/${view.grant_id}`)).json()).status).toBe('denied');
    expect((await answer(h, id, 'approve', alice)).status).toBe(409);
  });

  it('expires: neither answered nor used after its time', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    await answer(h, id, 'approve', alice);
    const id2 = (await (await delegatedExchange(h, alice, await h.agentToken('demo', { ttl: 3600 }), { scope: 'demo:reports:write', task_id: 'task-x' })).json()).approval_id;
    h.clock.now += 11 * 60 * 1000;
    const fresh = await h.agentToken('demo', { ttl: 3600 });
    const aliceNow = await h.human.mint('alice', { email: 'alice@example.com' });
    expect(await (await delegatedExchange(h, aliceNow, fresh, { scope: 'demo:reports:write', approval_id: id })).json()).toMatchObject({ error: 'expired_token' });
    const late = await answer(h, id2, 'approve', aliceNow);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: 'expired_token' });
    expect((await (await get(h, `/v1/approvals/${id2}`, aliceNow)).json()).status).toBe('expired');
  });

  it('never outlives the task: completing the task leaves nothing to approve or use', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    expect((await h.adminRequest('/v1/tasks/task-w/complete', { method: 'POST' })).status).toBe(200);
    const res = await answer(h, id, 'approve', alice);
    expect(res.status).toBe(409);
    expect((await res.json()).error_description).toMatch(/revoked/);
  });

  it('exactly one of two racing retries gets the grant', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    await answer(h, id, 'approve', alice);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => delegatedExchange(h, alice, agent, { scope: 'demo:reports:write', approval_id: id }).then((r) => r.status)),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
  });

  it('the waiting agent can long-poll its request', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    const poll = get(h, `/v1/approvals/${id}?wait=20`, agent).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));
    await answer(h, id, 'approve', alice);
    expect(await poll).toMatchObject({ id, status: 'approved' });
    // Another agent cannot see it; bounds on wait are enforced.
    expect((await get(h, `/v1/approvals/${id}`, await h.agentToken('other'))).status).toBe(404);
    expect((await get(h, `/v1/approvals/${id}?wait=31`, agent)).status).toBe(400);
    expect((await get(h, `/v1/approvals/not-an-id`, agent)).status).toBe(404);
  });

  it('refuses malformed answers', async () => {
    const id = (await (await delegatedExchange(h, alice, agent, { scope: 'demo:reports:write' })).json()).approval_id;
    const long = await answer(h, id, 'approve', alice, { reason: 'x'.repeat(600) });
    expect(long.status).toBe(400);
    const extra = await answer(h, id, 'approve', alice, { reason: 'ok', approve_all: true });
    expect(extra.status).toBe(400);
    const notJson = await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain' }, body: 'yes' });
    expect(notJson.status).toBe(415);
    expect((await (await get(h, `/v1/approvals/${id}`, alice)).json()).status).toBe('pending');
  });
});

describe('approvals: owner rule, groups and self-approval', () => {
  it('the owner team approves a delete; membership from config groups or the token', async () => {
    // The IdP vouches for groups and verified emails; config team-a holds bob and the IdP's team-a.
    const h = await approvalsHarness((c) => {
      c.trust.issuers[1].asserts = ['groups', 'email'];
      c.approvals.groups['team-a'].push('idp:team-a');
    });
    const agent = await h.agentToken();
    const id = (await (await h.exchange({ subject_token: agent, scope: 'demo:reports:delete' })).json()).approval_id;
    // Not delegated: `owner` is team-a; bob is in it by config, carol by her token's (vouched) groups claim.
    const carol = await h.human.mint('carol', { groups: ['team-a'] });
    const dave = await h.human.mint('dave', { groups: ['team-b'] });
    expect((await answer(h, id, 'approve', dave)).status).toBe(403);
    const bobUnverified = await h.human.mint('bob', { email: 'bob@example.com', email_verified: false });
    expect((await answer(h, id, 'approve', bobUnverified)).status).toBe(403);
    expect((await (await get(h, '/v1/approvals', carol)).json()).approvals).toHaveLength(1);
    const bob = await h.human.mint('bob', { email: 'Bob@Example.com', email_verified: true });
    expect(await (await answer(h, id, 'approve', bob)).json()).toMatchObject({ status: 'approved' });
    expect((await h.exchange({ subject_token: agent, scope: 'demo:reports:delete', approval_id: id })).status).toBe(200);
  });

  it('a `principal` rule without a delegating human is denied outright', async () => {
    const h = await approvalsHarness((c) => {
      const file = join(mkdtempSync(join(tmpdir(), 'tollgate-policy-')), 'self.cedar');
      writeFileSync(file, '@id("read-self") @approval("principal") permit (principal, action == Tollgate::Action::"read", resource == Tollgate::Resource::"demo:db");');
      c.policy.files.push(file);
    });
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:db:read' });
    expect(res.status).toBe(403);
    expect(await auditTypes(h)).toContain('exchange.denied');
  });
});

describe('approvals: webhook', () => {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  afterAll(() => server.close());

  it('posts a signed notice when an approval starts waiting', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const secret = 'webhook-secret-0123456789';
    const h = await approvalsHarness((c) => (c.approvals.webhook = { url: `http://127.0.0.1:${port}/hook`, secret }));
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', intent: 'purge drafts' });
    const id = (await res.json()).approval_id;
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['tollgate-signature']));
    expect(sig).not.toBeNull();
    expect(sig![2]).toBe(await hmacHex(secret, `${sig![1]}.${body}`));
    expect(await hmacHex('another-secret-0000000', `${sig![1]}.${body}`)).not.toBe(sig![2]);
    const notice = JSON.parse(body);
    expect(notice).toMatchObject({ type: 'approval.requested', approval: { id, intent: 'purge drafts', actions: ['delete'], rules: ['owner'] } });
    expect(notice.links.approve).toBe(`https://tollgate.test/v1/approvals/${id}/approve`);
    expect(headers['tollgate-event-id']).toBe(id);
  });
});
