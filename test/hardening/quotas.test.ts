import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/node/server.ts';
import { gatewayHarness, GATEWAY_KEY } from '../gateway/support.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { ADMIN_KEY, harness, JWT_TYPE, type Harness } from '../support/harness.ts';


async function exchangeAs(h: Harness, agent: string, task = 't-q'): Promise<Response> {
  return h.exchange({ subject_token: await h.agentToken(agent), scope: 'demo:reports:read', task_id: task });
}

async function pool<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  }));
  return out;
}

async function metricsText(h: Harness): Promise<string> {
  return (await h.adminRequest('/metrics')).text();
}

describe('quotas: per agent, per principal, per endpoint class', () => {
  it('on by default: 500 token requests at concurrency 20 from one agent are not all served', async () => {
    const h = await harness();
    const token = await h.agentToken('flood');
    const statuses = await pool(500, 20, async (i) => (await h.exchange({ subject_token: token, scope: 'demo:reports:read', task_id: `t-${i}` })).status);
    // The default budget is a burst of 300 (and 1200 a minute); the harness clock stands still.
    expect(statuses.filter((s) => s === 200)).toHaveLength(300);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200);
    expect(await metricsText(h)).toContain('tollgate_quota_refusals_total{class="token",key="agent"} 200');
    // Another agent is not affected.
    expect((await exchangeAs(h, 'bystander')).status).toBe(200);
  });

  it('429 slow_down with Retry-After, per agent; the budget refills with time', async () => {
    const h = await harness({ configPatch: (c) => (c.server.quotas = { token: { agent: { per_minute: 6, burst: 2 } } }) });
    expect((await exchangeAs(h, 'a')).status).toBe(200);
    expect((await exchangeAs(h, 'a')).status).toBe(200);
    const refused = await exchangeAs(h, 'a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(await refused.json()).toEqual({ error: 'slow_down', error_description: 'agent over its token quota: retry after 10s' });
    expect((await exchangeAs(h, 'b')).status).toBe(200);
    h.clock.now += 10_000;
    expect((await exchangeAs(h, 'a')).status).toBe(200);
    expect((await exchangeAs(h, 'a')).status).toBe(429);
  });

  it('per principal: agents acting for one human share the human\'s budget', async () => {
    const h = await harness({ configPatch: (c) => (c.server.quotas = { token: { principal: { per_minute: 60, burst: 2 } } }) });
    const human = await h.human.mint('carol');
    const asCarol = async (agent: string) =>
      (await h.exchange({ subject_token: human, actor_token: await h.agentToken(agent), actor_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 't-p' })).status;
    expect([await asCarol('one'), await asCarol('two'), await asCarol('three')]).toEqual([200, 200, 429]);
    expect((await exchangeAs(h, 'three')).status).toBe(200);
  });

  it('per-call decisions have their own class, on /v1/credentials and AuthZEN alike, and a refused call writes no audit event', async () => {
    const h = await gatewayHarness({ configPatch: (c) => (c.server.quotas = { call: { agent: { per_minute: 60, burst: 3 } } }) });
    const token = await h.grantToken('up:files:read');
    for (let i = 0; i < 3; i++) expect((await h.call({ token, action: 'read' })).status).toBe(200);
    const before = (await h.events()).length;
    const refused = await h.call({ token, action: 'read' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error).toBe('slow_down');
    const pdp = await h.app.request('/access/v1/evaluation', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify({ subject: { type: 'agent', id: 'spiffe://example.org/agent/demo', properties: { token } }, action: { name: 'read' }, resource: { type: 'resource', id: 'up:files' } }),
    });
    expect(pdp.status).toBe(429);
    expect((await h.events()).length).toBe(before);
    // Exchanges are another class: still served.
    expect((await exchangeAs(h, 'demo')).status).toBe(200);
  });

  it('quotas can be turned off', async () => {
    const h = await harness({ configPatch: (c) => (c.server.quotas = { enabled: false, token: { agent: { per_minute: 1, burst: 1 } } }) });
    for (let i = 0; i < 3; i++) expect((await exchangeAs(h, 'a')).status).toBe(200);
  });
});

describe('quotas: unauthenticated requests per client address (real sockets)', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('failed authentications spend the address budget; then the address waits, whatever it sends', async () => {
    const h = await harness({ configPatch: (c) => (c.server.quotas = { unauthenticated: { address: { per_minute: 6, burst: 3 } } }) });
    server = await startServer(h.deps, { port: 0, host: '127.0.0.1' });
    const url = server.url;
    const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) });
    const good = await h.agentToken('honest');
    // Authenticated requests cost nothing.
    for (let i = 0; i < 5; i++) expect((await form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: good, subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: `t-${i}` })).status).toBe(200);
    // Three that do not authenticate: no credentials, a forged subject token, a wrong admin key.
    expect((await form('/oauth/introspect', { token: 'x' })).status).toBe(401);
    const forged = `${good.slice(0, -8)}AAAAAAAA`;
    expect((await form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: forged, subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 't-f' })).status).toBe(400);
    expect((await fetch(`${url}/v1/grants`, { headers: { authorization: 'Bearer tgk_wrong-key-000000000000000000' } })).status).toBe(401);
    const waits = await form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: good, subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 't-w' });
    expect(waits.status).toBe(429);
    expect(waits.headers.get('retry-after')).toBe('10');
    expect((await waits.json()).error).toBe('slow_down');
    h.clock.now += 10_000;
    expect((await fetch(`${url}/v1/grants`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text()).toContain('tollgate_quota_refusals_total{class="unauthenticated",key="address"} 1');
  });
});

describe('pending approvals: a cap per agent and task; repeats fold into the waiting one', () => {
  const cfg = (c: Record<string, any>) => (c.approvals = { groups: { 'team-a': ['https://idp.example#bob'] }, max_pending_per_task: 2, max_pending_per_agent: 3 });
  const del = async (h: Harness, task: string, intent: string) =>
    h.exchange({ subject_token: await h.agentToken('pushy'), scope: 'demo:reports:delete', task_id: task, intent });
  const pendingList = async (h: Harness) => (await (await h.app.request('/v1/approvals', { headers: { authorization: `Bearer ${await h.human.mint('bob')}` } })).json()).approvals;

  it('the same request again is the same approval; the humans see it once', async () => {
    const h = await harness({ configPatch: cfg });
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add((await (await del(h, 't-1', 'drop the draft')).json()).approval_id);
    expect(ids.size).toBe(1);
    expect(await pendingList(h)).toHaveLength(1);
    // And once approved, the retry with that id is served, once.
    const [id] = [...ids];
    expect((await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await h.human.mint('bob')}` } })).status).toBe(200);
    expect((await h.exchange({ subject_token: await h.agentToken('pushy'), scope: 'demo:reports:delete', task_id: 't-1', intent: 'drop the draft', approval_id: id! })).status).toBe(200);
  });

  it('a flood of distinct requests stops at the caps with 429; humans see no more than the cap', async () => {
    const h = await harness({ configPatch: cfg });
    expect((await del(h, 't-1', 'one')).status).toBe(400);
    expect((await del(h, 't-1', 'two')).status).toBe(400);
    const perTask = await del(h, 't-1', 'three');
    expect(perTask.status).toBe(429);
    expect(perTask.headers.get('retry-after')).toBe('60');
    expect((await del(h, 't-2', 'four')).status).toBe(400);
    const perAgent = await del(h, 't-3', 'five');
    expect(perAgent.status).toBe(429);
    expect(await pendingList(h)).toHaveLength(3);
    // Once one is answered, there is room again.
    const [first] = await pendingList(h);
    await h.app.request(`/v1/approvals/${first.id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${await h.human.mint('bob')}` } });
    expect((await del(h, 't-3', 'five')).status).toBe(400);
  });

  it('new approval requests also have a rate: approval.agent', async () => {
    const h = await harness({ configPatch: (c) => (cfg(c), (c.server.quotas = { approval: { agent: { per_minute: 1, burst: 1 } } })) });
    expect((await del(h, 't-1', 'one')).status).toBe(400);
    const again = await del(h, 't-2', 'two');
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('60');
  });
});
