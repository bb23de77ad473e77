import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { harness } from '../support/harness.ts';
import { ProviderError, type Provider } from '../../providers/provider.ts';
import { unavailableStore } from '../../src/worker/unavailable-store.ts';

describe('fail closed', () => {
  it('issues nothing when the store cannot answer (503)', async () => {
    const h = await harness({ store: unavailableStore('test: store down') });
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(body.access_token).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('test: store down');
    expect((await h.app.request('/healthz')).status).toBe(503);
  });

  it('issues nothing when the audit write fails, and leaves no grant row', async () => {
    const h = await harness();
    const db = new Database(h.dbPath);
    db.exec("CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit disk full'); END");
    let issued = false;
    const real = h.deps.grantTokens;
    h.deps.grantTokens = { ...real, name: real.name, type: real.type, upstreamTokenTypes: [], issue: async (r) => ((issued = true), real.issue(r)) } as Provider;
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(503);
    expect(issued).toBe(false);
    expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 0 });
    db.close();
  });

  it('a retryable upstream failure answers 503, marks the grant failed, returns no credential', async () => {
    const h = await harness();
    h.deps.grantTokens = { name: 'x', type: 'grant-token', upstreamTokenTypes: [], issue: async () => { throw new ProviderError('upstream_unavailable', 'timeout', true); } };
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(503);
    const page = await (await h.adminRequest('/v1/grants')).json();
    expect(page.grants.map((g: any) => g.status)).toEqual(['failed']);
  });

  it('a permanent upstream failure answers 500 server_error without details', async () => {
    const h = await harness();
    h.deps.grantTokens = { name: 'x', type: 'grant-token', upstreamTokenTypes: [], issue: async () => { throw new ProviderError('upstream_refused', 'role arn:aws:iam::1:role/x missing', false); } };
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('arn:aws');
  });

  it('a policy engine that throws issues nothing (503)', async () => {
    const h = await harness();
    h.deps.policy = { ...h.deps.policy, decide: () => { throw new Error('wasm trap'); } };
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(503);
    expect((await (await h.adminRequest('/v1/grants')).json()).grants).toEqual([]);
  });

  it('a grant revoked while issuing is not handed out, and its credential is revoked', async () => {
    const h = await harness();
    const real = h.deps.grantTokens;
    let revokedUpstream = false;
    h.deps.grantTokens = {
      name: 'x',
      type: 'grant-token',
      upstreamTokenTypes: [],
      issue: async (r) => {
        await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) });
        return real.issue(r);
      },
      revoke: async () => { revokedUpstream = true; },
    };
    const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    expect(res.status).toBe(403);
    expect((await res.json()).access_token).toBeUndefined();
    expect(revokedUpstream).toBe(true);
  });
});

describe('health while the store can read but not write', () => {
  it('is alive but not ready, says so in /metrics, and is ready again once writes succeed', async () => {
    const h = await harness();
    expect((await h.app.request('/healthz/ready')).status).toBe(200);
    const db = new Database(h.dbPath);
    // What a full disk looks like to SQLite: every write refused, every read still answered.
    for (const table of ['health_probe', 'audit_events']) {
      db.exec(`CREATE TRIGGER full_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    }
    db.exec(`CREATE TRIGGER full_probe_update BEFORE UPDATE ON health_probe BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    h.clock.now += 2000;
    const ready = await h.app.request('/healthz/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'store_read_only' });
    expect((await h.app.request('/healthz')).status).toBe(503);
    expect((await h.app.request('/healthz/live')).status).toBe(200);
    const metrics = await (await h.adminRequest('/metrics')).text();
    expect(metrics).toMatch(/^tollgate_store_writable 0$/m);
    expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).status).toBe(503);

    db.exec('DROP TRIGGER full_health_probe; DROP TRIGGER full_audit_events; DROP TRIGGER full_probe_update');
    db.close();
    h.clock.now += 2000;
    expect((await h.app.request('/healthz/ready')).status).toBe(200);
    expect(await (await h.adminRequest('/metrics')).text()).toMatch(/^tollgate_store_writable 1$/m);
  });
});
