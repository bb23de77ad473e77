import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { startWranglerDev, type WranglerDev } from '../worker/wrangler-dev.ts';
import { CLI, ROOT, WALKTHROUGH_RESULTS, readmeWalkthrough } from './dev-server.ts';

// The README's walk-through, verbatim, against the Workers build: `tollgate worker-config --dev`
// writes the dev vars (the same data folder `tollgate dev-token` and the admin key come from),
// then `wrangler dev --local` serves the broker in workerd on a local D1 database.
let worker: WranglerDev;
let data: string;
beforeAll(async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-worker-dev-'));
  data = join(dir, 'data');
  const envFile = join(dir, '.dev.vars');
  const r = spawnSync(process.execPath, [CLI, 'worker-config', '--dev', '--port', String(port), '--data', data, '--out', envFile], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`worker-config --dev failed:\n${r.stdout}${r.stderr}`);
  worker = await startWranglerDev({ envFile, port });
}, 120_000);
afterAll(async () => worker?.stop());

describe('README walk-through on wrangler dev', () => {
  it('runs verbatim against the Worker and shows each promised result', { timeout: 120_000 }, async () => {
    const meta = await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json();
    expect(meta.issuer).toBe(worker.url);
    const r = spawnSync('bash', ['-e', '-c', readmeWalkthrough()], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TOLLGATE_URL: worker.url, TOLLGATE_DATA: data, TOLLGATE_ADMIN_KEY: '' },
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    for (const expected of WALKTHROUGH_RESULTS) typeof expected === 'string' ? expect(out).toContain(expected) : expect(out).toMatch(expected);
  });
});
