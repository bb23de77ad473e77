import { describe, expect, it } from 'vitest';
import { expiredGrant, failedIssuing, keepsCallCredential, revokedGrant, riskAfter, riskChangeEvent } from '../../src/store/write-rules.ts';
import { draft } from '../../src/audit/event.ts';
import { makeGrant, T0 } from './grant-fixtures.ts';

// The rules every engine's writes share; the Store contract suites hold each engine to them.
const ctx = { time: T0 + 1000, request_id: 'req-1', reason: 'done', revocation_id: 'rev-1', by: 'admin' };

describe('what a store write decides', () => {
  it('a revocation owes a job for a recorded lease, or for a grant caught mid-issue', () => {
    expect(revokedGrant(makeGrant({ status: 'active' }), ctx).owesJob).toBe(false);
    expect(revokedGrant(makeGrant({ status: 'active', lease: 'lease-1' }), ctx).owesJob).toBe(true);
    expect(revokedGrant(makeGrant({ status: 'issuing' }), ctx).owesJob).toBe(true);
    const { after, event } = revokedGrant(makeGrant({ status: 'pending_approval' }), ctx);
    expect(after).toMatchObject({ status: 'revoked', revoked_at: ctx.time, status_reason: 'done' });
    expect(event).toMatchObject({ type: 'grant.revoked', time: ctx.time, grant_id: after.id, request_id: 'req-1', detail: { revocation_id: 'rev-1', by: 'admin', previous_status: 'pending_approval' } });
  });

  it('an expiry owes a job only for an upstream credential that outlives the grant', () => {
    const now = T0 + 20 * 60_000;
    expect(expiredGrant(makeGrant({ status: 'active', lease: 'l' }), now).owesJob).toBe(false);
    expect(expiredGrant(makeGrant({ status: 'active', lease: 'l', credential_expires_at: now + 1 }), now).owesJob).toBe(true);
    expect(expiredGrant(makeGrant({ status: 'active', credential_expires_at: now + 1 }), now).owesJob).toBe(false);
    expect(expiredGrant(makeGrant({ status: 'active' }), now).event).toMatchObject({ type: 'grant.expired', reason: 'expired', detail: { previous_status: 'active' } });
  });

  it('a stale issuing grant fails and always owes a job', () => {
    const f = failedIssuing(makeGrant(), T0 + 1);
    expect(f).toMatchObject({ owesJob: true, after: { status: 'failed', status_reason: 'issuing did not complete' }, event: { type: 'grant.failed' } });
  });

  it('a per-call credential is kept only under an active, unexpired grant', () => {
    const g = makeGrant({ status: 'active' });
    expect(keepsCallCredential(g, g.expires_at - 1)).toBe(true);
    expect(keepsCallCredential(g, g.expires_at)).toBe(false);
    expect(keepsCallCredential({ ...g, status: 'revoked' }, T0)).toBe(false);
  });

  it('a raise keeps a higher level; a set records exactly the level', () => {
    const change = (level: 'low' | 'medium' | 'high', mode: 'raise' | 'set') => ({ subject: { kind: 'agent' as const, id: 'a' }, level, mode, reason: 'r', by: 'b', time: T0 });
    expect(riskAfter('high', change('medium', 'raise'))).toEqual({ level: 'high', unchanged: true });
    expect(riskAfter('low', change('medium', 'raise'))).toEqual({ level: 'medium', unchanged: false });
    expect(riskAfter(null, change('low', 'raise'))).toEqual({ level: 'low', unchanged: false });
    expect(riskAfter('high', change('low', 'set'))).toEqual({ level: 'low', unchanged: false });
    const e = riskChangeEvent(change('medium', 'raise'), 'low', 'medium', draft('risk.changed', T0, { detail: { source: 'x' } }));
    expect(e).toMatchObject({ agent: 'a', detail: { source: 'x', previous_level: 'low', level: 'medium' } });
  });
});
