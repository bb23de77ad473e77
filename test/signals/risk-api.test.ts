import { beforeAll, describe, expect, it } from 'vitest';
import { signalsHarness, type SignalsHarness } from './transmitter.ts';

let h: SignalsHarness;
beforeAll(async () => {
  // One test pages through 500 grants of one agent at a frozen instant: quotas are not what it tests.
  h = await signalsHarness({ configPatch: (c) => (c.server.quotas = { enabled: false }) });
});

const setRisk = (body: unknown, auth = true) =>
  (auth ? h.adminRequest : (p: string, i: RequestInit) => h.app.request(p, i))('/v1/risk', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const active = async (token: string) => (await h.introspect(token)).active;

describe('POST /v1/risk', () => {
  it('needs an admin: no token, an agent token or a wrong key get 401 and change nothing', async () => {
    const body = { agent: 'spiffe://example.org/agent/nope', level: 'high', reason: 'x' };
    expect((await setRisk(body, false)).status).toBe(401);
    const asAgent = await h.app.request('/v1/risk', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.agentToken()}` }, body: JSON.stringify(body) });
    expect(asAgent.status).toBe(401);
    const wrongKey = await h.app.request('/v1/risk', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tgk_wrong' }, body: JSON.stringify(body) });
    expect(wrongKey.status).toBe(401);
    expect(await h.deps.store.riskLevels('spiffe://example.org/agent/nope', null)).toMatchObject({ agent: null, principal: null });
  });

  it('an admin JWT (issuer of kind admin) works and is named in the audit', async () => {
    const jwt = await h.admin.mint('secops-lead');
    const res = await h.app.request('/v1/risk', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ agent: 'spiffe://example.org/agent/watched', level: 'medium', reason: 'odd behaviour' }),
    });
    expect(res.status).toBe(200);
    const e = (await h.auditOf('risk.changed')).at(-1)!;
    expect(e).toMatchObject({ agent: 'spiffe://example.org/agent/watched', reason: 'odd behaviour', detail: { by: `${h.admin.issuer}#secops-lead`, mode: 'set', level: 'medium' } });
  });

  it('raising an agent revokes the grants policy no longer permits and answers what it revoked', async () => {
    const read = await h.grant({ agent: 'raised', task: 't-1' });
    const write = await h.grant({ agent: 'raised', task: 't-2', scope: 'demo:reports:write' });
    const res = await setRisk({ agent: 'spiffe://example.org/agent/raised', level: 'medium', reason: 'suspicious tool use' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ agent: 'spiffe://example.org/agent/raised', level: 'medium', previous_level: null, revoked: 1, revocation_ids: [expect.stringMatching(/^rev_/)] });
    expect(await active(write.access_token)).toBe(false);
    expect(await active(read.access_token)).toBe(true);

    // high: the dev policy forbids everything for the agent
    const high = await (await setRisk({ agent: 'spiffe://example.org/agent/raised', level: 'high', reason: 'confirmed' })).json();
    expect(high).toMatchObject({ previous_level: 'medium', level: 'high', revoked: 1 });
    expect(await active(read.access_token)).toBe(false);
    await expect(h.grant({ agent: 'raised', task: 't-3' })).rejects.toThrow(/403/);

    // lowering is allowed (admins only) and lets the agent work again; nothing is revoked
    const low = await (await setRisk({ agent: 'spiffe://example.org/agent/raised', level: 'low', reason: 'false alarm' })).json();
    expect(low).toMatchObject({ previous_level: 'high', level: 'low', revoked: 0, revocation_ids: [] });
    await h.grant({ agent: 'raised', task: 't-4', scope: 'demo:reports:write' });
  });

  it('a principal: every agent acting for them is re-decided', async () => {
    const a = await h.grant({ human: 'pat', agent: 'a1', task: 't-p1', scope: 'demo:reports:write' });
    const b = await h.grant({ human: 'pat', agent: 'a2', task: 't-p2' });
    const c = await h.grant({ human: 'quinn', agent: 'a1', task: 't-q1', scope: 'demo:reports:write' });
    const body = await (await setRisk({ principal: `${h.human.issuer}#pat`, level: 'high', reason: 'phished' })).json();
    expect(body).toMatchObject({ principal: `${h.human.issuer}#pat`, level: 'high', revoked: 2 });
    expect(await active(a.access_token)).toBe(false);
    expect(await active(b.access_token)).toBe(false);
    expect(await active(c.access_token)).toBe(true);
  });

  it('the registry level is a floor: an admin cannot lower an agent below it', async () => {
    await setRisk({ agent: 'spiffe://example.org/agent/risky', level: 'low', reason: 'try' });
    await expect(h.grant({ agent: 'risky', task: 't-r' })).rejects.toThrow(/403/);
  });

  it('re-decides many grants in pages', async () => {
    const n = h.deps.config.server.revocation_batch * 2 + 3;
    const grants = [];
    for (let i = 0; i < n; i++) grants.push(await h.grant({ agent: 'paged', task: `t-${i}`, scope: 'demo:reports:write' }));
    const body = await (await setRisk({ agent: 'spiffe://example.org/agent/paged', level: 'medium', reason: 'paging' })).json();
    expect(body.revoked).toBe(n);
    for (const g of [grants[0]!, grants[n - 1]!, grants[Math.floor(n / 2)]!]) expect(await active(g.access_token)).toBe(false);
  }, 60_000);

  it.each([
    [{ level: 'high', reason: 'x' }],
    [{ agent: 'a', principal: 'b', level: 'high', reason: 'x' }],
    [{ agent: 'a', level: 'extreme', reason: 'x' }],
    [{ agent: 'a', level: 'high' }],
    [{ agent: 'a', level: 'high', reason: 'x', extra: 1 }],
    [{ agent: 'a'.repeat(3000), level: 'high', reason: 'x' }],
  ])('refuses a malformed body %j', async (body) => {
    const res = await setRisk(body);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_request');
  });
});

describe('GET /v1/risk', () => {
  it('shows the level in force, what was recorded, and the token cutoff; admins only', async () => {
    const { signalsHarness, CAEP } = await import('./transmitter.ts');
    const h = await signalsHarness();
    const get = (q: string, auth = true) => (auth ? h.adminRequest(`/v1/risk?${q}`) : h.app.request(`/v1/risk?${q}`));
    expect((await get('agent=spiffe://example.org/agent/demo', false)).status).toBe(401);
    expect((await get('agent=a&principal=b')).status).toBe(400);
    expect(await (await get('agent=spiffe://example.org/agent/risky')).json()).toMatchObject({ level: 'high', registered_level: 'high', recorded_level: null, tokens_not_before: null });
    const alice = `${h.human.issuer}#alice`;
    expect(await (await get(`principal=${encodeURIComponent(alice)}`)).json()).toEqual({ principal: alice, level: 'low', recorded_level: null, tokens_not_before: null });
    await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: {} }, { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: 'alice' } }));
    expect(await (await get(`principal=${encodeURIComponent(alice)}`)).json()).toEqual({
      principal: alice,
      level: 'medium',
      recorded_level: 'medium',
      tokens_not_before: new Date(h.clock.now).toISOString(),
    });
  });
});
