import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { CAEP, signalsHarness } from './transmitter.ts';

const GATEWAY_KEY = 'tgw_signals-gateway-key-0123456789';

describe('a risk signal reaches the gateway path', () => {
  it('after a CAEP session-revoked SET the next per-call credential fetch is refused', async () => {
    const hash = await sha256Hex(GATEWAY_KEY);
    const h = await signalsHarness({ configPatch: (c) => (c.trust.gateway_key_hashes = [hash]) });
    const call = (token: string) =>
      h.app.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ token, action: 'read', tool: 'reports.get' }),
      });
    const alice = await h.grant({ human: 'alice', agent: 'orch', task: 't-g1' });
    const bob = await h.grant({ human: 'bob', agent: 'orch', task: 't-g2' });
    expect((await call(alice.access_token)).status).toBe(200);
    expect((await call(bob.access_token)).status).toBe(200);

    const sub_id = { format: 'iss_sub', iss: h.human.issuer, sub: 'alice' };
    const res = await h.push(await h.ssf.set({ [CAEP + 'session-revoked']: { event_timestamp: Math.floor(h.clock.now / 1000) } }, { sub_id }));
    expect(res.status).toBe(202);

    // The very next call for alice's grant is refused (its credential was cached); bob is untouched.
    const refused = await call(alice.access_token);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await call(bob.access_token)).status).toBe(200);
    const denied = (await h.auditOf('credential.denied')).at(-1)!;
    expect(denied).toMatchObject({ grant_id: alice.grant_id, decision: 'deny' });
    expect(denied.reason).toMatch(/invalid_grant/);
  });
});
