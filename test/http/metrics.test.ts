import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { harness } from '../support/harness.ts';
import { draft } from '../../src/audit/event.ts';
import { signSegment } from '../../src/audit/segment.ts';

describe('GET /metrics', () => {
  const gauges = async (h: Awaited<ReturnType<typeof harness>>) => {
    const text = await (await h.adminRequest('/metrics')).text();
    return Object.fromEntries([...text.matchAll(/^(tollgate_(?:store_database_bytes|store_wal_bytes|audit_\w+)) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  };

  it('shows the audit rows the live store holds and its oldest event, before and after a prune, and verification then starts from the checkpoint', async () => {
    const h = await harness();
    for (const scope of ['demo:reports:read', 'demo:reports:admin', 'demo:reports:read']) await h.exchange({ subject_token: await h.agentToken(), scope });
    const head = (await h.deps.store.auditHead())!;
    const [first] = await h.deps.store.readAudit(0, 1);
    expect(await gauges(h)).toMatchObject({ tollgate_audit_rows: head.seq, tollgate_audit_oldest_seq: 1, tollgate_audit_oldest_timestamp_seconds: Math.floor(first!.time / 1000) });

    const seg = await signSegment(h.deps.store, { from: 1, to: 3 }, h.deps.keyring.current);
    expect(await h.deps.store.pruneAudit({ ...seg.claims, jws: seg.jws, exported_to: '/archive', pruned_at: h.clock.now }, draft('audit.pruned', h.clock.now, {}))).toBe(true);
    expect(await gauges(h)).toMatchObject({ tollgate_audit_rows: head.seq - 3 + 1, tollgate_audit_oldest_seq: 4, tollgate_audit_head_seq: head.seq + 1 });

    const v = await h.adminRequest('/v1/audit/verify');
    expect(v.status).toBe(200);
    expect(await v.json()).toMatchObject({ ok: true, from_checkpoint: { seq_from: 1, seq_to: 3, head_hash: seg.claims.head_hash }, checked: head.seq + 1 - 3 });
  });

  // The file sizes are SQLite's; the same file also runs on PostgreSQL (TOLLGATE_TEST_STORE).
  it.skipIf(process.env.TOLLGATE_TEST_STORE === 'postgres')('shows the SQLite database and WAL file sizes', async () => {
    const h = await harness();
    await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    const g = await gauges(h);
    expect(g.tollgate_store_database_bytes).toBe(statSync(h.dbPath).size);
    expect(g.tollgate_store_wal_bytes).toBe(statSync(`${h.dbPath}-wal`).size);
    expect(g.tollgate_store_database_bytes! + g.tollgate_store_wal_bytes!).toBeGreaterThan(0);
  });

  it('needs admin credentials by default and exposes request counters and store gauges', async () => {
    const h = await harness();
    expect((await h.app.request('/metrics')).status).toBe(401);
    await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:admin' });
    await h.app.request('/no/such/path?x=1');
    const res = await h.adminRequest('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain('tollgate_http_requests_total{method="POST",route="/oauth/token",status="200"} 1');
    expect(text).toContain('tollgate_http_requests_total{method="POST",route="/oauth/token",status="403"} 1');
    // Raw paths never become label values.
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain('tollgate_http_request_duration_seconds_count{method="POST",route="/oauth/token"} 2');
    expect(text).toContain('tollgate_store_up 1');
    expect(text).toContain('tollgate_grants_live 1');
    expect(text).toMatch(/tollgate_audit_head_seq [1-9]\d*/);
  });

  it('can be public, and says when the store cannot answer instead of inventing gauges', async () => {
    const h = await harness({ configPatch: (c) => (c.server.metrics_public = true) });
    const ok = await (await h.app.request('/metrics')).text();
    expect(ok).toContain('tollgate_grants_live 0');
    await h.deps.store.close();
    const res = await h.app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('tollgate_store_up 0');
    expect(text).not.toContain('tollgate_grants_live');
  });
});
