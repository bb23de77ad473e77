import { describe, expect, it, beforeAll } from 'vitest';
import { harness, ISSUER, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  for (let i = 0; i < 5; i++) {
    const res = await h.exchange({ subject_token: await h.agentToken(i % 2 ? 'odd' : 'even'), scope: 'demo:reports:read', task_id: `list-${i}` });
    expect(res.status).toBe(200);
  }
});

describe('well-known', () => {
  it('serves RFC 8414 metadata naming the endpoints and token exchange', async () => {
    const m = await (await h.app.request('/.well-known/oauth-authorization-server')).json();
    expect(m).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/oauth/token`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
    });
    expect(m.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:token-exchange');
  });

  it('publishes only public keys', async () => {
    const jwks = await (await h.app.request('/.well-known/jwks.json')).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: 'sig-1', alg: 'ES256', use: 'sig', kty: 'EC' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('health answers ok', async () => {
    expect(await (await h.app.request('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('GET /v1/grants', () => {
  it('filters and pages through every grant exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: any = await (await h.adminRequest(`/v1/grants?limit=2${q}`)).json();
      expect(page.grants.length).toBeLessThanOrEqual(2);
      seen.push(...page.grants.map((g: any) => g.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const odd = await (await h.adminRequest('/v1/grants?agent=' + encodeURIComponent('spiffe://example.org/agent/odd'))).json();
    expect(odd.grants).toHaveLength(2);
    expect(odd.grants.every((g: any) => g.agent === 'spiffe://example.org/agent/odd')).toBe(true);
  });

  it('rejects bad query parameters', async () => {
    expect((await h.adminRequest('/v1/grants?limit=0')).status).toBe(400);
    expect((await h.adminRequest('/v1/grants?status=alive')).status).toBe(400);
    expect((await h.adminRequest('/v1/grants?sort=desc')).status).toBe(400);
    expect((await h.adminRequest('/v1/grants/grt_doesnotexist')).status).toBe(404);
    expect((await h.adminRequest('/v1/grants?cursor=not-a-cursor')).status).toBe(400);
  });
});

describe('GET /v1/audit', () => {
  it('exports JSON lines after a sequence number, each linked to the one before', async () => {
    const res = await h.adminRequest('/v1/audit?after=0&limit=3');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(lines[1].prev_hash).toBe(lines[0].hash);
    const next = (await (await h.adminRequest('/v1/audit?after=3&limit=1')).text()).trim();
    expect(JSON.parse(next).seq).toBe(4);
    const issued = lines.find((e) => e.type === 'grant.issuing');
    expect(issued).toMatchObject({ agent: 'spiffe://example.org/agent/even', resource: 'demo:reports', decision: 'allow', actions: ['read'] });
    expect(issued.policy_ids).toContain('read-unrestricted');
  });

  it('verifies the chain', async () => {
    const report = await (await h.adminRequest('/v1/audit/verify')).json();
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.checked).toBeGreaterThan(5);
  });

  it('rejects bad paging', async () => {
    expect((await h.adminRequest('/v1/audit?after=-1')).status).toBe(400);
    expect((await h.adminRequest('/v1/audit?limit=100000')).status).toBe(400);
  });
});

describe('inventory at expiry', () => {
  it('lists a grant past its expiry as expired before the sweeper marks it', async () => {
    const x = await harness();
    const res = await x.exchange({ subject_token: await x.agentToken(), scope: 'demo:reports:read', task_id: 'expiry-view' });
    expect(res.status).toBe(200);
    const { grant_id, expires_in } = await res.json();
    const before = await (await x.adminRequest(`/v1/grants/${grant_id}`)).json();
    expect(before.status).toBe('active');
    expect(before.recorded_status).toBeUndefined();
    x.clock.now += (expires_in + 1) * 1000;
    const one = await (await x.adminRequest(`/v1/grants/${grant_id}`)).json();
    expect(one).toMatchObject({ status: 'expired', recorded_status: 'active' });
    const listed = await (await x.adminRequest('/v1/grants?task_id=expiry-view')).json();
    expect(listed.grants.map((g: any) => g.status)).toEqual(['expired']);
  });
});
