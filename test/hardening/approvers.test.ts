import { describe, expect, it } from 'vitest';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';
import { testIssuer, type TestIssuer } from '../support/keys.ts';
import { RISC, signalsHarness } from '../signals/transmitter.ts';

// Two human issuers: the company IdP `idp`, which vouches for groups and verified emails, and a
// partner IdP `partner`, trusted to sign people in but vouching for nothing (the default).
async function twoIssuers(patch?: (c: Record<string, any>) => void): Promise<{ h: Harness; partner: TestIssuer }> {
  const partner = await testIssuer('https://partner.example', 'p-1');
  const h = await harness({
    configPatch: (c) => {
      c.trust.issuers[1].asserts = ['groups', 'email'];
      c.trust.issuers.push({ name: 'partner', issuer: partner.issuer, kind: 'human', jwks: { keys: [partner.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'] });
      // dev.cedar: a delete waits for the agent's owner, team-a.
      c.approvals = { groups: { 'team-a': ['bob@example.com', 'idp:team-a', 'https://partner.example#pat'] } };
      patch?.(c);
    },
  });
  return { h, partner };
}

async function pendingDelete(h: Harness, task: string): Promise<string> {
  const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', task_id: task });
  const body = await res.json();
  expect(body.error).toBe('authorization_pending');
  return body.approval_id;
}

const approve = (h: Harness, id: string, token: string) => h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
const listed = async (h: Harness, token: string) => (await (await h.app.request('/v1/approvals', { headers: { authorization: `Bearer ${token}` } })).json()).approvals;

describe('approvers are bound to the issuer that vouches for them', () => {
  it("a partner's token naming the owner's group neither sees nor approves", async () => {
    const { h, partner } = await twoIssuers();
    const id = await pendingDelete(h, 't-1');
    for (const groups of [['team-a'], ['idp:team-a'], ['group:team-a']]) {
      const mallory = await partner.mint('mallory', { groups });
      expect(await listed(h, mallory), groups[0]).toEqual([]);
      expect((await approve(h, id, mallory)).status, groups[0]).toBe(403);
    }
  });

  it("a partner's token carrying a registered approver's verified email does not approve", async () => {
    const { h, partner } = await twoIssuers();
    const id = await pendingDelete(h, 't-2');
    const fakeBob = await partner.mint('bob', { email: 'bob@example.com', email_verified: true });
    expect((await approve(h, id, fakeBob)).status).toBe(403);
  });

  it('an email counts only with email_verified === true, even from a vouching issuer', async () => {
    const { h } = await twoIssuers();
    const id = await pendingDelete(h, 't-3');
    for (const claims of [{ email: 'bob@example.com' }, { email: 'bob@example.com', email_verified: 'true' }, { email: 'bob@example.com', email_verified: false }]) {
      expect((await approve(h, id, await h.human.mint('bob', claims))).status, JSON.stringify(claims)).toBe(403);
    }
    expect((await approve(h, id, await h.human.mint('bob', { email: 'bob@example.com', email_verified: true }))).status).toBe(200);
  });

  it("one issuer's group never satisfies an entry meant for another, even when both vouch for groups", async () => {
    const { h, partner } = await twoIssuers((c) => (c.trust.issuers[3].asserts = ['groups']));
    const id = await pendingDelete(h, 't-4');
    expect((await approve(h, id, await partner.mint('mallory', { groups: ['team-a'] }))).status).toBe(403);
    expect((await approve(h, id, await h.human.mint('carol', { groups: ['team-a'] }))).status).toBe(200);
  });

  it("an issuer that vouches for nothing still approves by iss#sub; a group entry with the issuer's name works for it", async () => {
    const { h, partner } = await twoIssuers();
    const id = await pendingDelete(h, 't-5');
    expect((await approve(h, id, await partner.mint('pat'))).status).toBe(200);
    // The owner named as the IdP's own group, straight in the registry.
    const h2 = (await twoIssuers((c) => (c.agents[0].owner = 'idp:platform'))).h;
    const id2 = await pendingDelete(h2, 't-6');
    expect((await approve(h2, id2, await h2.human.mint('carol', { groups: ['team-a'] }))).status).toBe(403);
    expect((await approve(h2, id2, await h2.human.mint('erin', { groups: ['platform'] }))).status).toBe(200);
  });

  it('config refuses asserts on an issuer that is not human', async () => {
    await expect(harness({ configPatch: (c) => (c.trust.issuers[0].asserts = ['email']) })).rejects.toThrow(/only human issuers vouch/);
  });
});

describe('signals resolve an email only to principals whose issuer vouched for it', () => {
  it("a partner's token with someone's email is not that person for an email subject", async () => {
    const partner = await testIssuer('https://partner.example', 'p-1');
    const h = await signalsHarness({
      configPatch: (c) => c.trust.issuers.push({ name: 'partner', issuer: partner.issuer, kind: 'human', jwks: { keys: [partner.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'] }),
    });
    const carol = await h.grant({ human: 'carol', email: 'carol@example.com', task: 't-c' });
    const viaPartner = await h.exchange({ subject_token: await partner.mint('carol-lookalike', { email: 'carol@example.com', email_verified: true }), actor_token: await h.agentToken(), actor_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 't-p' });
    expect(viaPartner.status).toBe(200);
    const partnerGrant = await viaPartner.json();
    const res = await h.push(await h.ssf.set({ [RISC + 'account-disabled']: {} }, { sub_id: { format: 'email', email: 'carol@example.com' } }));
    expect(res.status).toBe(202);
    expect((await h.introspect(carol.access_token)).active).toBe(false);
    expect((await h.introspect(partnerGrant.access_token)).active).toBe(true);
  });
});
