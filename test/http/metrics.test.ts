import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';

describe('GET /metrics', () => {
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
