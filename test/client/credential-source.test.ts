import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialSource, TollgateError, type CredentialSource } from 'tollgate/client';
import { harness, type Harness } from '../support/harness.ts';
import { blockAgent, grantsOfTask, listen, testClock, type Served } from './served.ts';

describe('tollgate/client credentialSource(), over HTTP against a real Tollgate', () => {
  let h: Harness;
  let server: Served;
  let clock: ReturnType<typeof testClock>;
  let tokensMinted: number;
  const sources: CredentialSource[] = [];
  const source = (opts: Partial<Parameters<typeof credentialSource>[0]> = {}) => {
    const s = credentialSource({
      url: server.url,
      subjectToken: () => {
        tokensMinted++;
        return h.agentToken();
      },
      scope: 'demo:reports:read',
      taskId: 't-src',
      requestedTtl: 600,
      now: clock.now,
      ...opts,
    });
    sources.push(s);
    return s;
  };

  beforeEach(async () => {
    h = await harness();
    server = await listen(h.app);
    clock = testClock();
    tokensMinted = 0;
  });
  afterEach(async () => {
    for (const s of sources.splice(0)) await s.dispose().catch(() => undefined);
    await server.close();
    await h.deps.store.close();
  });

  it('caches: repeated and concurrent get() share one exchange and one grant', async () => {
    const s = source();
    const all = await Promise.all(Array.from({ length: 8 }, () => s.get()));
    expect(new Set(all.map((c) => c.grantId)).size).toBe(1);
    expect((await s.get()).grantId).toBe(all[0]!.grantId);
    expect(await grantsOfTask(h, 't-src')).toHaveLength(1);
    expect(tokensMinted).toBe(1);
    expect(all[0]).toMatchObject({ scope: 'demo:reports:read', taskId: 't-src', tokenType: 'Bearer', expiresAt: clock.t + 600_000 });
  });

  it('refreshes exactly at the margin before expiry, with a fresh subject token', async () => {
    const s = source({ refreshMarginMs: 60_000 });
    const first = await s.get();
    clock.advance(600_000 - 60_000 - 1);
    expect((await s.get()).grantId).toBe(first.grantId);
    clock.advance(1);
    const second = await s.get();
    expect(second.grantId).not.toBe(first.grantId);
    expect(second.expiresAt).toBe(clock.t + 600_000);
    expect(tokensMinted).toBe(2);
    const grants = await grantsOfTask(h, 't-src');
    expect(grants.map((g) => g.id).sort()).toEqual([first.grantId, second.grantId].sort());
  });

  it('invalidate() makes the next get() exchange again', async () => {
    const s = source();
    const first = await s.get();
    s.invalidate();
    expect((await s.get()).grantId).not.toBe(first.grantId);
  });

  it('a short credential refreshes at half its life, not on every call', async () => {
    const s = source({ requestedTtl: 60, refreshMarginMs: 120_000 });
    const first = await s.get();
    clock.advance(29_999);
    expect((await s.get()).grantId).toBe(first.grantId);
    clock.advance(1);
    expect((await s.get()).grantId).not.toBe(first.grantId);
  });

  it('a refresh that Tollgate refuses (agent blocked) rejects get() with the typed error, and the next get() tries again', async () => {
    const s = source();
    await s.get();
    await blockAgent(h, 'spiffe://example.org/agent/demo');
    // before the refresh point the cached credential is served (the source does not ask each time)
    expect((await s.get()).taskId).toBe('t-src');
    clock.advance(600_000);
    const e = await s.get().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TollgateError);
    expect(e).toMatchObject({ code: 'access_denied', status: 403, retryable: false });
    await expect(s.get()).rejects.toMatchObject({ code: 'access_denied' });
    expect(tokensMinted).toBe(3);
  });

  it('dispose() completes the task (its grants are revoked) and later get() fails with disposed', async () => {
    const s = source();
    const c = await s.get();
    await s.dispose();
    expect(await grantsOfTask(h, 't-src')).toEqual([expect.objectContaining({ id: c.grantId, status: 'revoked' })]);
    const intro = await (await h.form('/oauth/introspect', { token: c.accessToken }, { authorization: 'Bearer tgk_test-admin-key-0123456789abcdef' })).json();
    expect(intro).toEqual({ active: false });
    await expect(s.get()).rejects.toMatchObject({ name: 'TollgateError', code: 'disposed' });
    expect(s.disposed).toBe(true);
    await s.dispose(); // idempotent
  });

  it('await using: leaving the block ends the task; an exchange in flight at dispose is revoked too', async () => {
    let inFlight: Promise<unknown>;
    {
      await using s = source({ taskId: 't-using' });
      inFlight = s.get().catch((x: unknown) => x);
    }
    expect(await inFlight).toMatchObject({ code: 'disposed' });
    const grants = await grantsOfTask(h, 't-using');
    expect(grants).toHaveLength(1);
    expect(grants[0]!.status).toBe('revoked');
  });

  it('acting for a human, the task is completed with the agent (actor) token', async () => {
    const alice = await h.human.mint('alice');
    const s = source({ subjectToken: alice, actorToken: () => h.agentToken(), taskId: 't-delegated' });
    const c = await s.get();
    await s.dispose();
    expect(await grantsOfTask(h, 't-delegated')).toEqual([expect.objectContaining({ id: c.grantId, status: 'revoked' })]);
  });

  it('completeTaskOnDispose: false leaves the task to its owner', async () => {
    const s = source({ completeTaskOnDispose: false, taskId: 't-kept' });
    await s.get();
    await s.dispose();
    expect((await grantsOfTask(h, 't-kept'))[0]!.status).toBe('active');
  });

  it('a failed completion rejects dispose(), and calling it again retries', async () => {
    const s = source({ taskId: 't-retry' });
    await s.get();
    await server.close();
    await expect(s.dispose()).rejects.toMatchObject({ code: 'network_error' });
    expect((await grantsOfTask(h, 't-retry'))[0]!.status).toBe('active');
    server = await listen(h.app, Number(new URL(server.url).port));
    await s.dispose();
    expect((await grantsOfTask(h, 't-retry'))[0]!.status).toBe('revoked');
  });
});
