import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vaultTokenSource } from 'tollgate/client';
import { exchangeHarness } from '../providers/fixture.ts';
import { setupVaultFixture, type VaultFixture } from '../providers/vault-fixture.ts';
import type { Harness } from '../support/harness.ts';
import { grantsOfTask, listen, testClock, type Served } from './served.ts';

// vaultTokenSource() against a Tollgate whose Vault provider mints child tokens in the local
// Vault; the token is then used the way an agent would, with plain fetch to Vault's HTTP API.
describe('tollgate/client vaultTokenSource()', () => {
  let f: VaultFixture;
  let h: Harness;
  let server: Served;
  let clock: ReturnType<typeof testClock>;
  const vault = (token: string, path: string) => fetch(`${f.vault.address}/v1/${path}`, { headers: { 'x-vault-token': token } });

  beforeEach(async () => {
    f = await setupVaultFixture('token');
    h = await exchangeHarness(f);
    server = await listen(h.app);
    clock = testClock();
  });
  afterEach(async () => {
    await server.close();
    await h.deps.store.close();
    await f.teardown();
  });

  it("hands out a Vault token with exactly the resource's policies, refreshed before expiry, revoked on dispose", async () => {
    const source = vaultTokenSource({ url: server.url, subjectToken: () => h.agentToken(), scope: `${f.resource.id}:read`, taskId: 't-vault', requestedTtl: 600, now: clock.now });
    const token = await source.token();
    expect(await source.token()).toBe(token);

    const minted = f.vault.state.tokens.get(token)!;
    expect(minted.policies).toEqual(['orders-read']);
    expect(minted.meta).toMatchObject({ task_id: 't-vault', grant_id: (await source.source.get()).grantId });
    // Its policy (and nothing else, not even `default`'s lookup-self) lets it read its database role.
    const creds = await vault(token, 'database/creds/orders-ro');
    expect(creds.status).toBe(200);
    expect((await creds.json()).data.username).toBeTruthy();
    expect((await vault(token, 'database/creds/orders-rw')).status).toBe(403);
    expect((await vault(token, 'auth/token/lookup-self')).status).toBe(403);

    clock.advance(600_000 - 60_000);
    const next = await source.token();
    expect(next).not.toBe(token);
    expect((await vault(next, 'database/creds/orders-ro')).status).toBe(200);

    await source.dispose();
    expect((await grantsOfTask(h, 't-vault')).map((g) => g.status)).toEqual(['revoked', 'revoked']);
    for (const t of [token, next]) {
      expect(f.vault.state.tokens.has(t)).toBe(false);
      expect((await vault(t, 'database/creds/orders-ro')).status).toBe(403);
    }
    await expect(source.token()).rejects.toMatchObject({ name: 'TollgateError', code: 'disposed' });
  });
});
