import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';

const AGENT = 'spiffe://example.org/agent/demo';

describe('explicit typing of identity tokens (RFC 8725 §3.11)', () => {
  it('refuses a workload token whose typ names another JWT kind when the issuer pins none', async () => {
    const h = await harness();
    for (const typ of ['secevent+jwt', 'logout+jwt', 'at+jwt', 'application/at+jwt', 'id_token+jwt', 'JOSE']) {
      const token = await h.workload.mint(AGENT, {}, { header: { typ } });
      const res = await h.exchange({ subject_token: token, scope: 'demo:reports:read' });
      expect(res.status, typ).toBe(400);
      expect(await res.json(), typ).toMatchObject({ error: 'invalid_request', error_description: 'subject_token: wrong_type' });
    }
    // A plain JWT still passes: no typ, JWT or application/jwt.
    for (const header of [{ typ: undefined }, { typ: 'JWT' }, { typ: 'application/jwt' }]) {
      const res = await h.exchange({ subject_token: await h.workload.mint(AGENT, {}, { header }), scope: 'demo:reports:read' });
      expect(res.status, String(header.typ)).toBe(200);
    }
  });


  it('refuses a human token of another kind as the subject of a delegation', async () => {
    const h = await harness();
    const human = await h.human.mint('alice', {}, { header: { typ: 'logout+jwt' } });
    const res = await h.exchange({ subject_token: human, actor_token: await h.agentToken(), actor_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read' });
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'subject_token: wrong_type' });
  });

  it('matches exactly when the issuer pins a typ, and only then accepts that kind', async () => {
    const unpinned = await harness();
    const foreign = await unpinned.exchange({ subject_token: await unpinned.workload.mint(AGENT, {}, { header: { typ: 'at+jwt' } }), scope: 'demo:reports:read' });
    expect(await foreign.json()).toMatchObject({ error: 'invalid_request', error_description: 'subject_token: wrong_type' });
    const h = await harness({ configPatch: (c) => (c.trust.issuers[0].typ = 'at+jwt') });
    const ok = await h.exchange({ subject_token: await h.workload.mint(AGENT, {}, { header: { typ: 'at+jwt' } }), scope: 'demo:reports:read' });
    expect(ok.status).toBe(200);
    for (const typ of ['JWT', 'secevent+jwt', undefined]) {
      const res = await h.exchange({ subject_token: await h.workload.mint(AGENT, {}, { header: { typ } }), scope: 'demo:reports:read' });
      expect(await res.json(), String(typ)).toMatchObject({ error: 'invalid_request', error_description: 'subject_token: wrong_type' });
    }
  });

  it("Tollgate's own at+jwt is a subject only for re-exchange, never an actor or an approver's token", async () => {
    const h = await harness();
    // Another server's at+jwt, signed by a trusted workload issuer that pins no typ, is not one of ours.
    const foreign = await h.exchange({ subject_token: await h.workload.mint(AGENT, {}, { header: { typ: 'at+jwt' } }), scope: 'demo:reports:read' });
    expect(foreign.status).toBe(400);
    const grant = await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).json();
    const narrowed = await h.exchange({ subject_token: grant.access_token, scope: 'demo:reports:read' });
    expect(narrowed.status).toBe(200);
    const asActor = await h.exchange({ subject_token: await h.human.mint('alice'), actor_token: grant.access_token, actor_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read' });
    expect(asActor.status).toBe(400);
    const asHuman = await h.app.request('/v1/approvals', { headers: { authorization: `Bearer ${grant.access_token}` } });
    expect(asHuman.status).toBe(401);
  });
});
