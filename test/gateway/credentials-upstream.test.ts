import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { setupVaultFixture, vaultResource, type VaultFixture } from '../providers/vault-fixture.ts';
import { gatewayHarness } from './support.ts';

let fx: VaultFixture | null = null;
afterEach(async () => {
  await fx?.teardown();
  fx = null;
});

describe('POST /v1/credentials against a real upstream (the local Vault)', () => {
  it('mints a Vault token per grant, caches it, and revoking the grant revokes it in Vault', async () => {
    fx = await setupVaultFixture('token');
    const resource = vaultResource('token');
    const h = await gatewayHarness({
      configPatch: (c) => {
        c.providers[resource.provider] = { type: 'grant-token' }; // replaced by the started Vault provider
        c.resources.push(resource);
      },
    });
    (h.deps.providers as Map<string, Provider>).set(resource.provider, fx.provider);
    const token = await h.grantToken(`${resource.id}:read`);
    const res = await h.call({ token, action: 'read', tool: 'db.query' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ issued_token_type: TOKEN_TYPE.vaultToken, token_type: 'N_A' });
    expect(body.access_token).toEqual(expect.any(String));
    expect((await (await h.call({ token, action: 'read' })).json()).access_token).toBe(body.access_token);
    expect(fx.vault.state.tokens.has(body.access_token)).toBe(true);

    await h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await h.agentToken()}` });
    await runRevocationJobs(h.deps);
    expect(fx.vault.state.tokens.has(body.access_token)).toBe(false);
    expect(JSON.stringify(await h.deps.store.readAudit(0, 1000))).not.toContain(body.access_token);
  });
});

describe('POST /v1/credentials when the store fails', () => {
  it('answers 503 and serves nothing, cached credential or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cred-'));
    const real = openSqliteStore(join(dir, 'tollgate.db'));
    const down = new Set<string>();
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (down.has(String(prop)) ? Promise.reject(new Error('disk gone')) : v.apply(target, args));
      },
    }) as Store;
    const h = await gatewayHarness({ store, dir });
    const token = await h.grantToken('up:files:read');
    expect((await h.call({ token, action: 'read' })).status).toBe(200);
    for (const op of ['appendAudits', 'callView']) {
      down.add(op);
      const res = await h.call({ token, action: 'read' });
      const body = await res.json();
      expect(res.status, op).toBe(503);
      expect(body.error).toBe('temporarily_unavailable');
      expect(body.access_token).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain('disk gone');
      down.delete(op);
    }
    // A fresh credential whose lease cannot be recorded is never issued.
    down.add('beginCallLease');
    const write = await h.grantToken('up:files:write', 'task-2');
    expect((await h.call({ token: write, action: 'write' })).status).toBe(503);
    expect(h.upstream.issued).toHaveLength(1);
  });
});
