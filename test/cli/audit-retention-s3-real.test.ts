import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';
import { CLI } from '../support/paths.ts';

// Opt-in: audit retention into a real S3 bucket, with Tollgate's identity from the SDK's default
// chain (environment, shared files, SSO, instance role). Objects go under a fresh prefix, which
// the test leaves in the bucket (an archive is meant to stay; expire it with a lifecycle rule).
//   TOLLGATE_TEST_S3_BUCKET=my-bucket   (TOLLGATE_TEST_S3_REGION, default us-east-1)
const bucket = process.env.TOLLGATE_TEST_S3_BUCKET;

describe.skipIf(!bucket)('audit retention into a real S3 bucket', () => {
  it('retain exports signed segments and prunes them; the live chain verifies from the checkpoint', { timeout: 120_000 }, async () => {
    const prefix = `tollgate-test/${Date.now().toString(36)}/`;
    const exportS3 = { bucket, prefix, region: process.env.TOLLGATE_TEST_S3_REGION ?? 'us-east-1' };
    const h = await harness({ configPatch: (c) => (c.audit = { retention: { export_s3: exportS3, max_events: 2, segment_events: 3 } }) });
    for (let i = 0; i < 3; i++) expect((await h.exchange({ subject_token: await h.agentToken(`a${i}`), scope: 'demo:reports:read', task_id: `t${i}` })).status).toBe(200);
    await h.deps.store.close();
    const r = spawnSync(process.execPath, [CLI, 'audit', 'retain', '--config', join(h.dir, 'tollgate.yaml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { pruned: { exported_to: string }[] };
    expect(report.pruned.length).toBeGreaterThan(0);
    expect(report.pruned[0]!.exported_to).toBe(`s3://${bucket}/${prefix}`);
    const v = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--db', h.dbPath, '--config', join(h.dir, 'tollgate.yaml')], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
  });
});
