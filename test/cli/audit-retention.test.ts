import { beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { harness, type Harness } from '../support/harness.ts';
import { CLI } from './dev-server.ts';

// Retention as an operator runs it: a real broker writes its audit log to a SQLite file; the
// CLI exports signed segments to a directory, prunes them, and verification then starts from
// the newest checkpoint, or checks the archive offline against the published key set.
let h: Harness;
let archive: string;
let config: string;
beforeEach(async () => {
  archive = '';
  h = await harness({ configPatch: (c) => (c.audit = { retention: { export_dir: 'archive', max_events: 4, segment_events: 3 } }) });
  archive = join(h.dir, 'archive');
  config = join(h.dir, 'tollgate.yaml');
  for (let i = 0; i < 4; i++) expect((await h.exchange({ subject_token: await h.agentToken(`a${i}`), scope: 'demo:reports:read', task_id: `t${i}` })).status).toBe(200);
  expect((await h.exchange({ subject_token: await h.agentToken('risky'), scope: 'demo:reports:read' })).status).toBe(403);
  const jwks = await h.app.request('/.well-known/jwks.json');
  writeFileSync(join(h.dir, 'jwks.json'), await jwks.text());
  await h.deps.store.close();
});

function cli(...argv: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'audit', ...argv], { encoding: 'utf8' });
  let report: Record<string, any> = {};
  try {
    report = JSON.parse(r.stdout || '{}');
  } catch {
    report = { stdout: r.stdout };
  }
  return { status: r.status, report, stderr: r.stderr };
}
const verifyDb = (...extra: string[]) => cli('verify', '--db', h.dbPath, ...extra);
const verifyArchive = (...extra: string[]) => cli('verify', '--archive', archive, '--jwks', join(h.dir, 'jwks.json'), ...extra);
const liveSeqs = () => {
  const db = new Sqlite(h.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT seq FROM audit_events ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
  } finally {
    db.close();
  }
};

describe('tollgate audit export, prune, retain and verify', () => {
  it('exports a segment, prunes it, and verifies the rest from its checkpoint; the archive verifies offline', () => {
    const before = verifyDb();
    expect(before.status, before.stderr).toBe(0);
    const head = before.report.head_seq as number;
    expect(head).toBeGreaterThan(6);

    const ex = cli('export', '--config', config, '--segment', '1-5');
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.report).toMatchObject({ ok: true, seq_from: 1, seq_to: 5, count: 5 });
    expect(readdirSync(archive).sort()).toEqual(['audit-0000000000000001-0000000000000005.checkpoint.jws', 'audit-0000000000000001-0000000000000005.jsonl']);

    const pr = cli('prune', '--config', config, '--through', '5');
    expect(pr.status, pr.stderr).toBe(0);
    expect(pr.report.pruned).toMatchObject([{ seq_from: 1, seq_to: 5, count: 5 }]);
    expect(liveSeqs()[0]).toBe(6);

    // Without the keys the checkpoint cannot be trusted, and verification says so rather than "ok".
    expect(verifyDb().status).toBe(1);
    const after = verifyDb('--jwks', join(h.dir, 'jwks.json'));
    expect(after.status, JSON.stringify(after.report)).toBe(0);
    expect(after.report).toMatchObject({ ok: true, from_checkpoint: { seq_from: 1, seq_to: 5, head_hash: ex.report.head_hash }, head_seq: head + 1 });
    expect(after.report.checked).toBe(head + 1 - 5);

    const off = verifyArchive();
    expect(off.status, JSON.stringify(off.report)).toBe(0);
    expect(off.report).toMatchObject({ ok: true, segments: 1, checked: 5, first_seq: 1, last_seq: 5, head_hash: ex.report.head_hash });
  });

  it('refuses to prune what was not exported, and deletes none of it', () => {
    const pr = cli('prune', '--config', config, '--through', '3');
    expect(pr.status).toBe(1);
    expect(pr.report.error).toMatch(/not exported/);
    expect(liveSeqs()[0]).toBe(1);
    // With 1..2 exported, those go and seq 3 stays: the answer says both.
    expect(cli('export', '--config', config, '--segment', '1-2').status).toBe(0);
    const partly = cli('prune', '--config', config, '--through', '3');
    expect(partly.status).toBe(1);
    expect(partly.report.pruned).toMatchObject([{ seq_from: 1, seq_to: 2 }]);
    expect(partly.report.error).toMatch(/seqs 3\.\.3 were not exported/);
    expect(liveSeqs()[0]).toBe(3);
  });

  it('the schema refuses a direct delete outside the checkpointed prefix', () => {
    expect(cli('export', '--config', config, '--segment', '1-3').status).toBe(0);
    expect(cli('prune', '--config', config, '--through', '3').status).toBe(0);
    const db = new Sqlite(h.dbPath);
    try {
      expect(() => db.prepare('DELETE FROM audit_events WHERE seq = 4').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_checkpoints').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('retain exports and prunes by size, in segments, and the archive chains segment to segment', () => {
    const head = verifyDb().report.head_seq as number;
    const r = cli('retain', '--config', config);
    expect(r.status, JSON.stringify(r.report)).toBe(0);
    const through = head - 4;
    expect(r.report.pruned.at(-1).seq_to).toBe(through);
    expect(r.report.pruned.every((c: { count: number }) => c.count <= 3)).toBe(true);
    expect(liveSeqs()[0]).toBe(through + 1);
    expect(verifyArchive().report).toMatchObject({ ok: true, first_seq: 1, last_seq: through, checked: through });
    expect(verifyDb('--config', config).report).toMatchObject({ ok: true, from_checkpoint: { seq_to: through } });
  });

  it('catches tampering inside an archived segment, with a checkpoint, or a segment taken out', () => {
    expect(cli('retain', '--config', config).status).toBe(0);
    const files = readdirSync(archive).sort();
    const jsonl = files.filter((f) => f.endsWith('.jsonl'));
    expect(jsonl.length).toBeGreaterThanOrEqual(2);

    // An edited event inside the first segment.
    const seg = join(archive, jsonl[0]!);
    const original = readFileSync(seg, 'utf8');
    const lines = original.split('\n');
    writeFileSync(seg, [JSON.stringify({ ...JSON.parse(lines[1]!), agent: 'mallory' }), ...lines.slice(0, 1), ...lines.slice(2)].join('\n'));
    expect(verifyArchive().status).toBe(1);
    writeFileSync(seg, [lines[0], JSON.stringify({ ...JSON.parse(lines[1]!), agent: 'mallory' }), ...lines.slice(2)].join('\n'));
    expect(verifyArchive().status).toBe(1);
    // A deleted line.
    writeFileSync(seg, original.split('\n').slice(1).join('\n'));
    expect(verifyArchive().report.ok).toBe(false);
    writeFileSync(seg, original);
    expect(verifyArchive().status).toBe(0);

    // A checkpoint re-signed by someone else's key, or with its payload changed.
    const cpFile = join(archive, files.find((f) => f.endsWith('.checkpoint.jws'))!);
    const jws = readFileSync(cpFile, 'utf8').trim();
    const [hdr, payload, sig] = jws.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, count: claims.count + 1, seq_to: claims.seq_to + 1 })).toString('base64url');
    writeFileSync(cpFile, `${hdr}.${forged}.${sig}\n`);
    const bad = verifyArchive();
    expect(bad.status).toBe(1);
    expect(bad.report.problems.map((p: { kind: string }) => p.kind)).toContain('checkpoint');
    writeFileSync(cpFile, `${jws}\n`);

    // A whole segment taken out of the archive.
    const second = jsonl[1]!.replace('.jsonl', '');
    for (const ext of ['.jsonl', '.checkpoint.jws']) writeFileSync(join(archive, `${second}${ext}`), '');
    expect(verifyArchive().status).toBe(1);
    expect(existsSync(join(archive, `${second}.jsonl`))).toBe(true);
  });

  it('catches a checkpoint rewritten in the live store', () => {
    expect(cli('export', '--config', config, '--segment', '1-3').status).toBe(0);
    expect(cli('prune', '--config', config, '--through', '3').status).toBe(0);
    const db = new Sqlite(h.dbPath);
    db.exec(`DROP TRIGGER audit_checkpoints_no_update; UPDATE audit_checkpoints SET head_hash = '${'a'.repeat(64)}'`);
    db.close();
    const r = verifyDb('--config', config);
    expect(r.status).toBe(1);
    expect(r.report.problems.map((p: { kind: string }) => p.kind)).toContain('checkpoint');
  });
});
