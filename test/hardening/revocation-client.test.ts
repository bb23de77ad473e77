import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { ADMIN_KEY, harness, type Harness } from '../support/harness.ts';

const ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GATEWAY_KEY = 'tgw_revocation-test-gateway-0123456789';

let h: Harness;
beforeEach(async () => {
  const hash = await sha256Hex(GATEWAY_KEY);
  h = await harness({ configPatch: (c) => (c.trust.gateway_key_hashes = [hash]) });
});

async function grantOf(agent: string, extra: Record<string, string> = {}): Promise<{ access_token: string; grant_id: string }> {
  const res = await h.exchange({ subject_token: await h.agentToken(agent), scope: 'demo:reports:read', task_id: `t-${agent}`, ...extra });
  expect(res.status).toBe(200);
  return res.json();
}
const status = async (id: string) => (await (await h.adminRequest(`/v1/grants/${id}`)).json()).status;
const revokeAs = (token: string, auth: Record<string, string>, params: Record<string, string> = {}) => h.form('/oauth/revoke', { token, ...params }, auth);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('RFC 7009 §2.1: revocation by the client the token was issued to', () => {
  it('without client authentication: 401 invalid_client, and the token lives on', async () => {
    const g = await grantOf('victim');
    const res = await revokeAs(g.access_token, {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    expect(await status(g.grant_id)).toBe('active');
  });

  it("another agent that saw the token gets the same empty 200 and ends nothing, by bearer or by client assertion", async () => {
    const g = await grantOf('victim');
    const thief = await h.agentToken('thief');
    const a = await revokeAs(g.access_token, bearer(thief));
    const b = await revokeAs(g.access_token, {}, { client_assertion_type: ASSERTION, client_assertion: thief });
    const unknown = await revokeAs('nothing-we-issued', bearer(thief));
    for (const r of [a, b, unknown]) {
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('');
    }
    expect(await status(g.grant_id)).toBe('active');
    expect((await h.form('/oauth/introspect', { token: g.access_token }, bearer(ADMIN_KEY))).status).toBe(200);
    expect((await (await h.form('/oauth/introspect', { token: g.access_token }, bearer(ADMIN_KEY))).json()).active).toBe(true);
  });

  it('the agent it was issued to revokes it, with an RFC 7523 client assertion or its workload token as bearer', async () => {
    const one = await grantOf('owner');
    const two = await grantOf('owner', { task_id: 't-owner-2' });
    // Another agent's attempt first: nothing happens.
    await revokeAs(one.access_token, {}, { client_assertion_type: ASSERTION, client_assertion: await h.agentToken('thief') });
    expect(await status(one.grant_id)).toBe('active');
    expect((await revokeAs(one.access_token, {}, { client_assertion_type: ASSERTION, client_assertion: await h.agentToken('owner') })).status).toBe(200);
    expect((await revokeAs(two.access_token, bearer(await h.agentToken('owner')))).status).toBe(200);
    expect(await status(one.grant_id)).toBe('revoked');
    expect(await status(two.grant_id)).toBe('revoked');
  });

  it('an upstream credential (found by fingerprint) likewise: only its agent, not another', async () => {
    const res = await h.exchange({ subject_token: await h.agentToken('owner'), scope: 'demo:db:read', requested_token_type: 'urn:tollgate:token-type:secret', task_id: 't-secret' });
    const body = await res.json();
    expect((await revokeAs(body.access_token, bearer(await h.agentToken('thief')))).status).toBe(200);
    expect(await status(body.grant_id)).toBe('active');
    expect((await revokeAs(body.access_token, bearer(await h.agentToken('owner')))).status).toBe(200);
    expect(await status(body.grant_id)).toBe('revoked');
  });

  it('gateways and admins revoke any token; an agent only its own', async () => {
    const a = await grantOf('one');
    const b = await grantOf('two');
    await revokeAs(a.access_token, bearer(await h.agentToken('two')));
    await revokeAs(b.access_token, bearer(await h.agentToken('one')));
    expect([await status(a.grant_id), await status(b.grant_id)]).toEqual(['active', 'active']);
    expect((await revokeAs(a.access_token, bearer(GATEWAY_KEY))).status).toBe(200);
    expect((await revokeAs(b.access_token, bearer(ADMIN_KEY))).status).toBe(200);
    expect(await status(a.grant_id)).toBe('revoked');
    expect(await status(b.grant_id)).toBe('revoked');
  });

  it('bad client credentials are invalid_client: a human token, a wrong assertion type, a forged key', async () => {
    const g = await grantOf('victim');
    const cases: [Record<string, string>, Record<string, string>][] = [
      [bearer(await h.human.mint('alice')), {}],
      [{}, { client_assertion_type: ASSERTION, client_assertion: await h.human.mint('alice') }],
      [{}, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await h.agentToken('victim') }],
      [bearer('tgk_not-the-admin-key-0000000000'), {}],
      [bearer('tgw_not-a-gateway-key-0000000000'), {}],
      [bearer(g.access_token), {}],
    ];
    for (const [auth, params] of cases) {
      const res = await revokeAs(g.access_token, auth, params);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe('invalid_client');
    }
    expect(await status(g.grant_id)).toBe('active');
  });
});
