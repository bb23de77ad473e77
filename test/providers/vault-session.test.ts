// Tollgate's own Vault token over time, on a stub VaultClient and a frozen clock: when it
// renews, how it retries, and that stop() ends it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { VaultLoginConfig } from '../../providers/vault/config.ts';
import { VaultSession } from '../../providers/vault/session.ts';
import { VaultCallError, type VaultAuth, type VaultClient } from '../../providers/vault/vault-client.ts';

const auth = (ttl: number, renewable = true): VaultAuth => ({ clientToken: 'hvs.own', accessor: 'acc', policies: ['tollgate'], identityPolicies: [], ttl, renewable });

function stub(over: Partial<VaultClient>): VaultClient {
  const unused = () => Promise.reject(new Error('not used'));
  return { login: unused, lookupSelf: unused, renewSelf: unused, createToken: unused, revokeAccessor: unused, read: unused, revokeLease: unused, ...over };
}

function session(client: VaultClient, lines: string[] = [], login: VaultLoginConfig = { method: 'token', token: 'hvs.own' }) {
  return new VaultSession({ client, login, log: createLogger((l) => lines.push(l), 'debug'), now: () => Date.now(), address: 'https://vault.test:8200' });
}
const approle: VaultLoginConfig = { method: 'approle', role_id: 'r', secret_id: 's', mount: 'approle' };

describe('VaultSession', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews at two thirds of the TTL, again after each renewal, and not after stop()', async () => {
    const renewSelf = vi.fn(async () => auth(30));
    const s = session(stub({ lookupSelf: async () => ({ accessor: 'acc', ttl: 30, renewable: true }), renewSelf }));
    await s.start();
    await vi.advanceTimersByTimeAsync(19_000);
    expect(renewSelf).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(renewSelf).toHaveBeenCalledTimes(1);
    expect(renewSelf).toHaveBeenCalledWith('hvs.own');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(renewSelf).toHaveBeenCalledTimes(2);
    await s.stop();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(renewSelf).toHaveBeenCalledTimes(2);
  });

  it('retries a failed renewal well before the token expires', async () => {
    const renewSelf = vi.fn<VaultClient['renewSelf']>().mockRejectedValueOnce(new VaultCallError('renew-self: no answer from Vault (ECONNRESET)', null)).mockResolvedValue(auth(30));
    const lines: string[] = [];
    const s = session(stub({ lookupSelf: async () => ({ accessor: 'acc', ttl: 30, renewable: true }), renewSelf }), lines);
    await s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(renewSelf).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_000); // a third of the 10 s left
    expect(renewSelf).toHaveBeenCalledTimes(2);
    expect(lines.some((l) => l.includes('token renewal failed'))).toBe(true);
    await s.stop();
  });

  it('does not renew a token that never expires', async () => {
    const renewSelf = vi.fn(async () => auth(0));
    const s = session(stub({ lookupSelf: async () => ({ accessor: 'acc', ttl: 0, renewable: false }), renewSelf }));
    await s.start();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(renewSelf).not.toHaveBeenCalled();
    await s.stop();
  });

  it('says so when a configured token cannot be renewed', async () => {
    const lines: string[] = [];
    const s = session(stub({ lookupSelf: async () => ({ accessor: 'acc', ttl: 60, renewable: false }) }), lines);
    await s.start();
    await vi.advanceTimersByTimeAsync(41_000);
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes('not renewable'))).toBe(true);
    expect(s.token()).toBe('hvs.own');
    await s.stop();
  });

  it('logs in again, rather than retrying, when Vault refuses a renewal', async () => {
    let n = 0;
    const login = vi.fn(async () => ({ ...auth(30), clientToken: `hvs.login-${++n}` }));
    const renewSelf = vi.fn<VaultClient['renewSelf']>().mockRejectedValue(new VaultCallError('renew-self: Vault answered HTTP 403', 403, ['permission denied']));
    const s = session(stub({ login, renewSelf }), [], approle);
    await s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(renewSelf).toHaveBeenCalledTimes(1);
    expect(s.token()).toBe('hvs.login-1');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(login).toHaveBeenCalledTimes(2);
    expect(renewSelf).toHaveBeenCalledTimes(1);
    expect(s.token()).toBe('hvs.login-2');
    await s.stop();
  });

  it('logs in instead of renewing a token that has already expired (the process slept past it)', async () => {
    let n = 0;
    const login = vi.fn(async () => ({ ...auth(30), clientToken: `hvs.login-${++n}` }));
    const renewSelf = vi.fn(async () => auth(30));
    const s = session(stub({ login, renewSelf }), [], approle);
    await s.start();
    vi.setSystemTime(60_000); // the clock jumps; the timer has not fired yet
    await vi.advanceTimersByTimeAsync(20_000);
    expect(renewSelf).not.toHaveBeenCalled();
    expect(s.token()).toBe('hvs.login-2');
    await s.stop();
  });
});
