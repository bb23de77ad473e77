import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { harness } from '../support/harness.ts';
import { ROOT } from '../support/paths.ts';

const GATEWAY_KEY = 'tgw_unregistered-test-key-0123456789';

// Services of example.org that nobody registered may read, and only read; nothing else may.
const SERVICES = `
@id("unregistered-services-read")
@unregistered("allow")
@max_ttl("10m")
permit (principal, action == Tollgate::Action::"read", resource)
when { principal.trust_domain == "example.org" && principal.owner == "(unregistered)" && resource.classification == "internal" };
`;

describe('unregistered agents', () => {
  it('get only what a permit marked @unregistered("allow") allows', async () => {
    const gatewayHash = await sha256Hex(GATEWAY_KEY);
    const h = await harness({
      configPatch: (c) => {
        const file = join(mkdtempSync(join(tmpdir(), 'tollgate-policy-')), 'services.cedar');
        writeFileSync(file, SERVICES);
        c.policy.files = [join(ROOT, 'config/policies/dev.cedar'), file];
        c.trust.gateway_key_hashes = [gatewayHash];
      },
    });
    const service = await h.workload.mint('spiffe://example.org/service/indexer');
    const res = await h.exchange({ subject_token: service, scope: 'demo:reports:read demo:reports:write' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    // Narrowed to read: `write` is permitted for registered agents only (dev.cedar's "write" carries no @unregistered).
    expect(body.scope).toBe('demo:reports:read');
    expect(body.expires_in).toBeLessThanOrEqual(600);
    const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
    expect(grant).toMatchObject({ owner: '(unregistered)', agent: 'spiffe://example.org/service/indexer' });

    // A gateway redeems it per call: policy decides again, and the same permit still holds.
    const call = await h.app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: body.access_token, action: 'read' }),
    });
    expect(call.status).toBe(200);

    // Write alone, or a confidential resource: nothing is allowed, so the agent is refused as unregistered.
    for (const scope of ['demo:reports:write', 'demo:db:read']) {
      const r = await h.exchange({ subject_token: service, scope });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'unauthorized_client' });
    }
    const rejected = (await h.deps.store.readAudit(0, 100)).filter((e) => e.type === 'exchange.rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatchObject({ reason: 'unregistered agent', agent: 'spiffe://example.org/service/indexer' });
  });

  it('get nothing when no permit is marked (the default)', async () => {
    const h = await harness();
    const r = await h.exchange({ subject_token: await h.workload.mint('spiffe://example.org/service/indexer'), scope: 'demo:reports:read' });
    expect(await r.json()).toMatchObject({ error: 'unauthorized_client' });
  });
});
