import { beforeAll, describe, expect, it } from 'vitest';
import { CAEP, RISC, signalsHarness, type SignalsHarness } from './transmitter.ts';

let h: SignalsHarness;
beforeAll(async () => {
  h = await signalsHarness();
});

const human = (name: string) => ({ format: 'iss_sub', iss: h.human.issuer, sub: name });
const principal = (name: string) => `${h.human.issuer}#${name}`;
const active = async (token: string) => (await h.introspect(token)).active;

async function waitFinished(id: string) {
  for (let i = 0; i < 500; i++) {
    const r = await (await h.adminRequest(`/v1/revocations/${id}`)).json();
    if (r.status === 'finished') return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('revocation did not finish');
}

async function lastAccepted() {
  const events = await h.auditOf('signal.accepted');
  return events.at(-1)!;
}

describe('CAEP session-revoked', () => {
  it("kills every grant of the principal: introspection says inactive as soon as the SET is accepted", async () => {
    const mine = [await h.grant({ human: 'alice', agent: 'orch', task: 't-a1' }), await h.grant({ human: 'alice', agent: 'helper', task: 't-a2', scope: 'demo:reports:write' })];
    const bystander = await h.grant({ human: 'bob', agent: 'orch', task: 't-b1' });
    for (const g of mine) expect(await active(g.access_token)).toBe(true);

    const res = await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: { event_timestamp: Math.floor(h.clock.now / 1000), initiating_entity: 'admin' } }, { sub_id: human('alice') }));
    expect(res.status).toBe(202);

    for (const g of mine) expect(await active(g.access_token)).toBe(false);
    expect(await active(bystander.access_token)).toBe(true);

    const accepted = await lastAccepted();
    expect(accepted.reason).toBe('acted on');
    const change = accepted.detail.events[0].changes[0];
    expect(change).toMatchObject({ principal: principal('alice'), previous_level: null, level: 'medium', revoked: 2 });
    const finished = await waitFinished(change.revocation_ids[0]);
    expect(finished.revoked).toBe(2);
    for (const g of mine) expect((await (await h.adminRequest(`/v1/grants/${g.grant_id}`)).json()).status).toBe('revoked');

    // The risk stays raised: at medium the dev policy allows reads only.
    await h.grant({ human: 'alice', agent: 'orch', task: 't-a3' });
    await expect(h.grant({ human: 'alice', agent: 'orch', task: 't-a3', scope: 'demo:reports:write' })).rejects.toThrow(/403/);
    const risk = (await h.auditOf('risk.changed')).find((e) => e.principal === principal('alice'));
    expect(risk).toMatchObject({ reason: 'signal session-revoked from ssf', detail: { level: 'medium', previous_level: null, mode: 'raise' } });
  });

  it('also accepts the subject inside the event (older CAEP profile)', async () => {
    const g = await h.grant({ human: 'olga', task: 't-o1' });
    const res = await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: { subject: human('olga') } }));
    expect(res.status).toBe(202);
    expect(await active(g.access_token)).toBe(false);
  });
});

describe('subjects', () => {
  it('email: maps to the principals seen with that verified email at exchange (case-insensitively)', async () => {
    const carol = await h.grant({ human: 'carol', email: 'Carol@Example.COM', task: 't-c1' });
    const unverified = await h.grant({ human: 'mallory', email: 'carol@example.com', emailVerified: false, task: 't-m1' });
    const res = await h.push(await h.ssf.set({ [RISC + 'account-disabled']: { reason: 'hijacking' } }, { sub_id: { format: 'email', email: 'carol@example.com' } }));
    expect(res.status).toBe(202);
    expect(await active(carol.access_token)).toBe(false);
    expect(await active(unverified.access_token)).toBe(true);
    // account-disabled is high: the dev policy refuses the human anything now.
    await expect(h.grant({ human: 'carol', email: 'carol@example.com', task: 't-c2' })).rejects.toThrow(/403/);
  });

  it('an email nobody was seen with maps to no one: accepted, audited, nothing changes', async () => {
    const res = await h.push(await h.ssf.set({ [RISC + 'account-disabled']: {} }, { sub_id: { format: 'email', email: 'nobody@example.com' } }));
    expect(res.status).toBe(202);
    const accepted = await lastAccepted();
    expect(accepted.reason).toBe('accepted; nothing to act on');
    expect(accepted.detail.events[0]).toMatchObject({ subject: { format: 'email', email: 'nobody@example.com' }, changes: [] });
  });

  it('uri with a SPIFFE ID: maps to that agent (RISC credential-compromise: high, all its grants)', async () => {
    const evil = [await h.grant({ agent: 'evil', task: 't-e1' }), await h.grant({ agent: 'evil', human: 'dan', task: 't-e2' })];
    const other = await h.grant({ agent: 'good', task: 't-g1' });
    const res = await h.push(await h.ssf.set({ [RISC + 'credential-compromise']: { credential_type: 'x509' } }, { sub_id: { format: 'uri', uri: 'spiffe://example.org/agent/evil' } }));
    expect(res.status).toBe(202);
    for (const g of evil) expect(await active(g.access_token)).toBe(false);
    expect(await active(other.access_token)).toBe(true);
    // the agent is high now: forbid-high-risk-agent refuses it
    await expect(h.grant({ agent: 'evil', task: 't-e3' })).rejects.toThrow(/403/);
  });

  it('iss_sub of a workload issuer maps to the agent; aliases map each identifier', async () => {
    const a = await h.grant({ agent: 'alias-a', task: 't-al1' });
    const b = await h.grant({ human: 'erin', task: 't-al2' });
    const sub_id = {
      format: 'aliases',
      identifiers: [
        { format: 'iss_sub', iss: h.workload.issuer, sub: 'spiffe://example.org/agent/alias-a' },
        human('erin'),
        { format: 'opaque', id: 'whatever' },
      ],
    };
    expect((await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: {} }, { sub_id }))).status).toBe(202);
    expect(await active(a.access_token)).toBe(false);
    expect(await active(b.access_token)).toBe(false);
  });

  it('complex subjects: the user member is mapped', async () => {
    const g = await h.grant({ human: 'fay', task: 't-f1' });
    const sub_id = { format: 'complex', user: human('fay'), session: { format: 'opaque', id: 'sess-1' } };
    expect((await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: {} }, { sub_id }))).status).toBe(202);
    expect(await active(g.access_token)).toBe(false);
  });
});

describe('events that let policy decide again', () => {
  it('credential-change raises to medium and revokes only the grants policy no longer permits', async () => {
    const read = await h.grant({ human: 'gus', task: 't-g1' });
    const write = await h.grant({ human: 'gus', task: 't-g2', scope: 'demo:reports:write' });
    const res = await h.push(await h.ssf.set({ [CAEP + 'credential-change']: { credential_type: 'fido2-roaming', change_type: 'delete' } }, { sub_id: human('gus') }));
    expect(res.status).toBe(202);
    expect(await active(write.access_token)).toBe(false);
    expect(await active(read.access_token)).toBe(true);
    const change = (await lastAccepted()).detail.events[0].changes[0];
    expect(change).toMatchObject({ principal: principal('gus'), level: 'medium', revoked: 1 });
    await waitFinished(change.revocation_ids[0]);
    expect((await (await h.adminRequest(`/v1/grants/${write.grant_id}`)).json()).status).toBe('revoked');
  });

  it('token-claims-change and assurance-level-change (decrease) do the same; an increase changes nothing', async () => {
    const w1 = await h.grant({ human: 'hal', task: 't-h1', scope: 'demo:reports:write' });
    expect((await h.push(await h.ssf.set({ [CAEP + 'assurance-level-change']: { namespace: 'NIST-AAL', current_level: 'nist-aal2', previous_level: 'nist-aal1', change_direction: 'increase' } }, { sub_id: human('hal') }))).status).toBe(202);
    expect(await active(w1.access_token)).toBe(true);
    expect((await lastAccepted()).detail.events[0].changes).toEqual([]);

    expect((await h.push(await h.ssf.set({ [CAEP + 'assurance-level-change']: { namespace: 'NIST-AAL', current_level: 'nist-aal1', change_direction: 'decrease' } }, { sub_id: human('hal') }))).status).toBe(202);
    expect(await active(w1.access_token)).toBe(false);

    const w2 = await h.grant({ human: 'ida', task: 't-i1', scope: 'demo:reports:write' });
    expect((await h.push(await h.ssf.set({ [CAEP + 'token-claims-change']: { claims: { role: 'intern' } } }, { sub_id: human('ida') }))).status).toBe(202);
    expect(await active(w2.access_token)).toBe(false);
  });

  it('a signal never lowers a level: medium after high stays high', async () => {
    await h.grant({ human: 'jon', task: 't-j1' });
    await h.push(await h.ssf.set({ [RISC + 'account-disabled']: {} }, { sub_id: human('jon') }));
    await h.push(await h.ssf.set({ [CAEP + 'token-claims-change']: { claims: {} } }, { sub_id: human('jon') }));
    expect((await lastAccepted()).detail.events[0].changes[0]).toMatchObject({ previous_level: 'high', level: 'high' });
  });
});

describe('events that change nothing', () => {
  it('RISC identifier-changed and unknown event types are accepted and audited, not acted on', async () => {
    const g = await h.grant({ human: 'kim', task: 't-k1', scope: 'demo:reports:write' });
    expect((await h.push(await h.ssf.set({ [RISC + 'identifier-changed']: { 'new-value': 'kim2@example.com' } }, { sub_id: human('kim') }))).status).toBe(202);
    expect((await lastAccepted()).detail.events[0]).toMatchObject({ known: true, changes: [] });
    const unknown = 'https://example.com/event-type/something-new';
    expect((await h.push(await h.ssf.set({ [unknown]: { anything: [1, 2, 3] } }, { sub_id: human('kim') }))).status).toBe(202);
    expect((await lastAccepted()).detail.events[0]).toMatchObject({ type: unknown, known: false, changes: [] });
    // SSF stream verification events carry no subject at all
    expect((await h.push(await h.ssf.set({ 'https://schemas.openid.net/secevent/ssf/event-type/verification': { state: 'abc' } }))).status).toBe(202);
    expect(await active(g.access_token)).toBe(true);
    expect((await h.auditOf('risk.changed')).some((e) => e.principal === principal('kim'))).toBe(false);
  });
});
