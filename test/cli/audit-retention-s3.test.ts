import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';
import { CLI } from '../support/paths.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';

// Retention into an S3 bucket (audit.retention.export_s3), as an operator configures it, against
// a local server that speaks S3's REST API and checks each request's SigV4 signature.
const BUCKET = 'tollgate-audit';
const KEY = { access_key_id: 'AKIATOLLGATETEST0001', secret_access_key: 'test-secret-access-key-0123456789' };

let s3: S3Server | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
});

async function brokerWithEvents(secret = KEY.secret_access_key) {
  s3 ??= await startS3Server({ bucket: BUCKET, accessKeyId: KEY.access_key_id, secretAccessKey: KEY.secret_access_key, pageSize: 2 });
  const exportS3 = { bucket: BUCKET, prefix: 'prod/', region: 'eu-west-1', endpoint: s3.url, path_style: true, credentials: { static: { ...KEY, secret_access_key: secret } } };
  const h = await harness({ configPatch: (c) => (c.audit = { retention: { export_s3: exportS3, max_events: 4, segment_events: 3 } }) });
  for (let i = 0; i < 4; i++) expect((await h.exchange({ subject_token: await h.agentToken(`a${i}`), scope: 'demo:reports:read', task_id: `t${i}` })).status).toBe(200);
  writeFileSync(join(h.dir, 'jwks.json'), await (await h.app.request('/.well-known/jwks.json')).text());
  await h.deps.store.close();
  return h;
}

/** The CLI in its own process; asynchronously, because the S3 server it talks to runs in this one. */
async function audit(...argv: string[]) {
  const child = spawn(process.execPath, [CLI, 'audit', ...argv]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  let report: Record<string, any> = {};
  try {
    report = JSON.parse(stdout || '{}');
  } catch {}
  return { status, report, out: stdout + stderr };
}

describe('audit retention into S3 (audit.retention.export_s3)', () => {
  it('retain exports signed segments to the bucket under the prefix, prunes them, and the rest verifies from the checkpoint', async () => {
    const h = await brokerWithEvents();
    const r = await audit('retain', '--config', join(h.dir, 'tollgate.yaml'));
    expect(r.status, r.out).toBe(0);
    const pruned = r.report.pruned as { seq_from: number; seq_to: number; exported_to: string }[];
    expect(pruned.length).toBeGreaterThan(1);
    expect(pruned[0]).toMatchObject({ seq_from: 1, seq_to: 3, exported_to: `s3://${BUCKET}/prod/` });
    const keys = [...s3!.objects.keys()].sort();
    expect(keys.every((k) => /^prod\/audit-\d{16}-\d{16}\.(jsonl|checkpoint\.jws)$/.test(k))).toBe(true);
    expect(keys).toHaveLength(pruned.length * 2);
    expect(s3!.refused).toBe(0);

    const live = await audit('verify', '--db', h.dbPath, '--jwks', join(h.dir, 'jwks.json'));
    expect(live.status, live.out).toBe(0);
    expect(live.report.from_checkpoint).toMatchObject({ seq_to: pruned.at(-1)!.seq_to });

    // The objects are the same archive as a directory: copied out, they verify offline.
    const dir = join(h.dir, 'copied');
    mkdirSync(dir);
    for (const [k, text] of s3!.objects) writeFileSync(join(dir, k.slice('prod/'.length)), text);
    const off = await audit('verify', '--archive', dir, '--jwks', join(h.dir, 'jwks.json'));
    expect(off.status, off.out).toBe(0);
    expect(off.report).toMatchObject({ ok: true, first_seq: 1, last_seq: pruned.at(-1)!.seq_to });

    // Run again: only what became due since (the first run's own audit.pruned events) goes, continuing the chain.
    const again = await audit('retain', '--config', join(h.dir, 'tollgate.yaml'));
    expect(again.status, again.out).toBe(0);
    for (const c of again.report.pruned as { seq_from: number }[]) expect(c.seq_from).toBeGreaterThan(pruned.at(-1)!.seq_to);
    expect((again.report.pruned as { seq_from: number }[])[0]?.seq_from ?? pruned.at(-1)!.seq_to + 1).toBe(pruned.at(-1)!.seq_to + 1);
  });

  it('with a secret S3 refuses, fails without pruning anything and without printing the secret', async () => {
    const h = await brokerWithEvents('the-wrong-secret-key-0123456789');
    const r = await audit('retain', '--config', join(h.dir, 'tollgate.yaml'));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/audit archive s3:\/\/tollgate-audit\/prod\/: \w+ failed \(SignatureDoesNotMatch/);
    expect(r.out).not.toContain('the-wrong-secret-key');
    expect(s3!.refused).toBeGreaterThan(0);
    expect(s3!.objects.size).toBe(0);
    const live = await audit('verify', '--db', h.dbPath);
    expect(live.status, live.out).toBe(0);
    expect(live.report.from_checkpoint ?? null).toBeNull();
  });
});
