import { beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import Sqlite from 'better-sqlite3';
import { harness, type Harness } from '../support/harness.ts';
import { CLI } from './dev-server.ts';

// The audit log of a real broker (exchanges, a denial, revocations), tampered with in the SQLite
// file as someone with disk access would, then checked by `tollgate audit verify --db`.
let h: Harness;
beforeEach(async () => {
  h = await harness();
  for (let i = 0; i < 3; i++) expect((await h.exchange({ subject_token: await h.agentToken(`a${i}`), scope: 'demo:reports:read', task_id: `t${i}` })).status).toBe(200);
  expect((await h.exchange({ subject_token: await h.agentToken('risky'), scope: 'demo:reports:read' })).status).toBe(403);
  await h.app.request('/v1/tasks/t1/complete', { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken('a1')}` } });
  await h.deps.store.close();
});

function verify(...extra: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--db', h.dbPath, ...extra], { encoding: 'utf8' });
  return { status: r.status, report: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}

function tamper(sql: string): void {
  const db = new Sqlite(h.dbPath);
  db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
  db.exec(sql);
  db.close();
}

const kinds = (report: { problems: { kind: string; seq?: number }[] }) => report.problems.map((p) => p.kind);

describe('tollgate audit verify', () => {
  it('passes an untouched log and prints its head', () => {
    const r = verify();
    expect(r.status, r.stderr).toBe(0);
    expect(r.report).toMatchObject({ ok: true, problems: [] });
    expect(r.report.checked).toBeGreaterThanOrEqual(8);
    expect(r.report.head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('catches an edited event', () => {
    tamper("UPDATE audit_events SET decision = 'allow' WHERE type = 'exchange.denied'");
    const r = verify();
    expect(r.status).toBe(1);
    expect(kinds(r.report)).toContain('edited');
  });

  it('catches a deleted event', () => {
    tamper('DELETE FROM audit_events WHERE seq = 3');
    const r = verify();
    expect(r.status).toBe(1);
    expect(kinds(r.report)).toContain('missing');
  });

  it('catches reordered events', () => {
    tamper(`
      UPDATE audit_events SET seq = -2 WHERE seq = 2;
      UPDATE audit_events SET seq = 2 WHERE seq = 3;
      UPDATE audit_events SET seq = 3 WHERE seq = -2;`);
    const r = verify();
    expect(r.status).toBe(1);
    expect(kinds(r.report).some((k) => k === 'reordered' || k === 'broken_link')).toBe(true);
  });

  it('catches a deleted tail', () => {
    tamper('DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)');
    const r = verify();
    expect(r.status).toBe(1);
    expect(kinds(r.report)).toContain('head_mismatch');
  });

  it('catches a tail deleted with the head rewritten, given the head kept elsewhere', () => {
    const kept = verify().report.head as string;
    tamper(`
      DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events);
      UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_events), hash = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1);`);
    expect(verify().status).toBe(0); // the rewrite is self-consistent...
    const r = verify('--expect-head', kept); // ...but not against the head kept elsewhere
    expect(r.status).toBe(1);
    expect(kinds(r.report)).toContain('head_mismatch');
  });
});
