import { describe, expect, it } from 'vitest';
import { CAEP, RISC, signalsHarness } from './transmitter.ts';

const sessionRevoked = (now: number) => ({ [CAEP + 'session-revoked']: { event_timestamp: Math.floor(now / 1000) } });

describe('a transmitter speaks only for the issuers it is configured for', () => {
  it('a feed scoped to the workload issuer cannot touch the human IdP\'s people, only its agents', async () => {
    const h = await signalsHarness({ configPatch: (c) => (c.trust.issuers.find((i: { name: string }) => i.name === 'ssf').speaks_for = ['workload']) });
    const alice = await h.grant({ human: 'alice', agent: 'orch', task: 't-1' });
    const res = await h.push(await h.ssf.set(sessionRevoked(h.clock.now), { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: 'alice' } }));
    expect(res.status).toBe(202);
    expect((await h.introspect(alice.access_token)).active).toBe(true);
    expect(await h.auditOf('risk.changed')).toEqual([]);

    // Its own side: an agent named by SPIFFE ID is in scope.
    const agentGrant = await h.grant({ agent: 'worker-7', task: 't-2' });
    const res2 = await h.push(await h.ssf.set({ [RISC + 'credential-compromise']: { credential_type: 'x509' } }, { sub_id: { format: 'uri', uri: 'spiffe://example.org/agent/worker-7' } }));
    expect(res2.status).toBe(202);
    expect((await h.introspect(agentGrant.access_token)).active).toBe(false);
  });

  it('a feed scoped to the human IdP acts on its people, by iss_sub and by email', async () => {
    const h = await signalsHarness({ configPatch: (c) => (c.trust.issuers.find((i: { name: string }) => i.name === 'ssf').speaks_for = ['idp']) });
    const bob = await h.grant({ human: 'bob', email: 'bob@example.com', agent: 'orch', task: 't-3' });
    const res = await h.push(await h.ssf.set(sessionRevoked(h.clock.now), { sub_id: { format: 'email', email: 'bob@example.com' } }));
    expect(res.status).toBe(202);
    expect((await h.introspect(bob.access_token)).active).toBe(false);
    const agentGrant = await h.grant({ agent: 'worker-8', task: 't-4' });
    await h.push(await h.ssf.set({ [RISC + 'credential-compromise']: { credential_type: 'x509' } }, { sub_id: { format: 'uri', uri: 'spiffe://example.org/agent/worker-8' } }));
    expect((await h.introspect(agentGrant.access_token)).active).toBe(true);
  });

  it('refuses a scope that names no human or workload issuer', async () => {
    await expect(signalsHarness({ configPatch: (c) => (c.trust.issuers.find((i: { name: string }) => i.name === 'ssf').speaks_for = ['admins']) })).rejects.toThrow(/speaks_for/);
    await expect(signalsHarness({ configPatch: (c) => (c.trust.issuers.find((i: { name: string }) => i.name === 'idp').speaks_for = ['workload']) })).rejects.toThrow(/only signals transmitters/);
  });
});
