import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';

describe('GET /v1/audit/verify', () => {
  it('verifies the whole chain, then only what follows the head it reported (?since=SEQ:HASH)', async () => {
    const h = await harness();
    await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' });
    const full = (await (await h.adminRequest('/v1/audit/verify')).json()) as { ok: boolean; checked: number; head: string; head_seq: number };
    expect(full).toMatchObject({ ok: true, checked: full.head_seq });
    expect(full.checked).toBeGreaterThan(0);
    await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 'task-2' });
    const res = await h.adminRequest(`/v1/audit/verify?since=${full.head_seq}:${full.head}`);
    const next = (await res.json()) as { ok: boolean; checked: number; head_seq: number; from: unknown };
    expect(res.status).toBe(200);
    expect(next).toMatchObject({ ok: true, from: { seq: full.head_seq, hash: full.head } });
    expect(next.checked).toBe(next.head_seq - full.head_seq);
    const wrong = await h.adminRequest(`/v1/audit/verify?since=${full.head_seq}:${'0'.repeat(64)}`);
    expect(wrong.status).toBe(409);
    for (const bad of ['1', '0:' + 'a'.repeat(64), '1:xyz', `1:${'A'.repeat(64)}`]) {
      const r = await h.adminRequest(`/v1/audit/verify?since=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'invalid_request' });
    }
    await h.deps.store.close();
  });
});
