import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange, sha256Digest, tollgateGateway, type TollgateGatewayEnv } from 'tollgate/client';
import type { Provider } from '../../providers/provider.ts';
import { sha256Hex } from '../../src/lib/digest.ts';
import { setupVaultFixture, type VaultFixture } from '../providers/vault-fixture.ts';
import { harness, type Harness } from '../support/harness.ts';
import { listen, type Served } from './served.ts';

// End to end: an agent's real grant token → the gateway middleware → the real POST /v1/credentials
// (over HTTP) → Tollgate's Vault provider mints a token in the local Vault → the tool handler
// reads Vault with it.
const GATEWAY_KEY = 'tgw_sdk-e2e-gateway-key-0123456789abcdef';

describe('tollgate/client tollgateGateway() against the real POST /v1/credentials', () => {
  let f: VaultFixture;
  let h: Harness;
  let server: Served;

  beforeEach(async () => {
    f = await setupVaultFixture('token');
    const keyHash = await sha256Hex(GATEWAY_KEY);
    h = await harness({
      configPatch: (c) => {
        c.trust.gateway_key_hashes = [keyHash];
        c.providers[f.resource.provider] = { type: 'grant-token' }; // replaced below by the started Vault provider
        c.resources.push(f.resource);
        c.policy.text = `@id("vault-read") permit (principal, action == Tollgate::Action::"read", resource == Tollgate::Resource::"${f.resource.id}");`;
      },
    });
    h.clock.now = Date.now();
    (h.deps.providers as Map<string, Provider>).set(f.resource.provider, f.provider);
    server = await listen(h.app);
  });
  afterEach(async () => {
    await server.close();
    await h.deps.store.close();
    await f.teardown();
  });

  const toolGateway = (key = GATEWAY_KEY) => {
    const app = new Hono<TollgateGatewayEnv>();
    app.use('/tools/:tool', tollgateGateway({ url: server.url, gatewayKey: key, action: (c) => (c.req.method === 'GET' ? 'read' : 'write'), resource: f.resource.id, tool: (c) => c.req.param('tool'), argumentsDigest: (c) => sha256Digest(c.req.url) }));
    // The tool: reads the database role from Vault with the credential Tollgate minted for this call.
    app.get('/tools/:tool', async (c) => {
      const cred = c.get('tollgateCredential');
      const res = await fetch(`${f.vault.address}/v1/database/creds/orders-ro`, { headers: { 'x-vault-token': cred.accessToken! } });
      return c.json({ vault: res.status, grant: cred.grantId, token: cred.accessToken }, res.status === 200 ? 200 : 502);
    });
    app.post('/tools/:tool', (c) => c.json({ wrote: true }));
    return app;
  };
  const grantToken = async (taskId: string) =>
    (await exchange({ url: server.url, subjectToken: await h.agentToken('demo', { ttl: 3600 }), scope: `${f.resource.id}:read`, taskId })).access_token;
  const call = (app: Hono<TollgateGatewayEnv>, token: string, method = 'GET') => app.request('/tools/orders.read', { method, headers: { authorization: `Bearer ${token}` } });

  it('serves a Vault token per call that works in Vault; the call is audited with tool and digest', async () => {
    const token = await grantToken('t-e2e');
    const res = await call(toolGateway(), token);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.vault).toBe(200);
    expect(f.vault.state.tokens.get(body.token)?.policies).toEqual(['orders-read']);
    const events = (await h.deps.store.readAudit(0, 1000)) as unknown as { type: string; grant_id: string | null; detail: Record<string, unknown> | null }[];
    const issued = events.filter((e) => e.type === 'credential.issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ grant_id: body.grant, detail: expect.objectContaining({ tool: 'orders.read', arguments_digest: await sha256Digest('http://localhost/tools/orders.read') }) });
  });

  it('refusals: write on a read grant is 403 insufficient_scope; a wrong gateway key is 503; a completed task is 401 and its Vault token is dead', async () => {
    const token = await grantToken('t-e2e-2');
    const app = toolGateway();
    const write = await call(app, token, 'POST');
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    expect((await call(toolGateway('tgw_not-the-key-0123456789'), token)).status).toBe(503);

    const ok = await (await call(app, token)).json();
    const done = await fetch(`${server.url}/v1/tasks/t-e2e-2/complete`, { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken('demo')}` } });
    expect(done.status).toBe(200);
    const after = await call(app, token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await fetch(`${f.vault.address}/v1/database/creds/orders-ro`, { headers: { 'x-vault-token': ok.token } })).status).toBe(403);
  });
});
