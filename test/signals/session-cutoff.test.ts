import { describe, expect, it } from 'vitest';
import { JWT_TYPE } from '../support/harness.ts';
import { CAEP, RISC, signalsHarness } from './transmitter.ts';

describe('a revoked session takes its tokens with it', () => {
  it('after CAEP session-revoked the human token from before is refused; a new one works', async () => {
    const h = await signalsHarness();
    const agent = await h.agentToken('orch', { ttl: 3600 });
    const oldAlice = await h.human.mint('alice', {}, { ttl: 3600 });
    const exchange = (human: string, task: string) =>
      h.exchange({ subject_token: human, actor_token: agent, actor_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: task });
    expect((await exchange(oldAlice, 't-1')).status).toBe(200);

    h.clock.now += 2000;
    const res = await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: {} }, { sub_id: { format: 'iss_sub', iss: h.human.issuer, sub: 'alice' } }));
    expect(res.status).toBe(202);

    // The same, still unexpired, token cannot get a new grant: the grants are gone and so is the session.
    const again = await exchange(oldAlice, 't-2');
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/sessions were revoked/) });
    expect((await h.auditOf('exchange.denied')).at(-1)).toMatchObject({ reason: 'human session revoked', principal: `${h.human.issuer}#alice` });

    // A token issued after the signal (a new login) works, at the raised risk (reads only).
    h.clock.now += 1000;
    const newAlice = await h.human.mint('alice', {}, { ttl: 3600 });
    expect((await exchange(newAlice, 't-3')).status).toBe(200);
    // Someone else's old token is untouched.
    expect((await exchange(await h.human.mint('bob', {}, { ttl: 3600 }), 't-4')).status).toBe(200);
  });

  it('after RISC credential-compromise of an agent, its workload token from before is refused', async () => {
    const h = await signalsHarness();
    const old = await h.agentToken('leaky', { ttl: 3600 });
    expect((await h.exchange({ subject_token: old, scope: 'demo:reports:read', task_id: 't-1' })).status).toBe(200);
    h.clock.now += 2000;
    await h.push(await h.ssf.set({ [RISC + 'credential-compromise']: { credential_type: 'x509' } }, { sub_id: { format: 'uri', uri: 'spiffe://example.org/agent/leaky' } }));
    const res = await h.exchange({ subject_token: old, scope: 'demo:reports:read', task_id: 't-2' });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await h.auditOf('exchange.denied')).at(-1)).toMatchObject({ reason: 'agent session revoked' });
  });
});
