import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { startWranglerDev, type WranglerDev } from '../worker/wrangler-dev.ts';
import { CLI, ROOT, normalizeRun, readmeWalkthrough, startDevServer, type DevServer } from './dev-server.ts';

// The README's walk-through, verbatim, against the Workers build: `tollgate worker-config --dev`
// writes the dev vars (from the same kind of data folder `tollgate dev-token` and the admin key
// come from), then `wrangler dev --local` serves the broker in workerd on a local D1 database.
// The same walk-through runs against `tollgate serve --dev`; both outputs must read the same once
// tokens, ids, hashes and times are made equal (walkthrough.test.ts checks what they show).
let worker: WranglerDev;
let node: DevServer;
let data: string;
beforeAll(async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-worker-dev-'));
  data = join(dir, 'data');
  const envFile = join(dir, '.dev.vars');
  const r = spawnSync(process.execPath, [CLI, 'worker-config', '--dev', '--port', String(port), '--data', data, '--out', envFile], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`worker-config --dev failed:\n${r.stdout}${r.stderr}`);
  [worker, node] = await Promise.all([startWranglerDev({ envFile, port }), startDevServer()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([worker?.stop(), node?.stop()]);
});

function walk(url: string, dataDir: string): string {
  const r = spawnSync('bash', ['-e', '-c', readmeWalkthrough()], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TOLLGATE_URL: url, TOLLGATE_DATA: dataDir, TOLLGATE_ADMIN_KEY: '' },
  });
  const out = r.stdout + r.stderr;
  expect(r.status, out).toBe(0);
  return out;
}

describe('README walk-through on wrangler dev', () => {
  it('runs verbatim against the Worker and answers as tollgate serve --dev does', { timeout: 240_000 }, async () => {
    const meta = await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json();
    expect(meta.issuer).toBe(worker.url);
    const onWorker = walk(worker.url, data);
    expect(onWorker).toContain('"active": true');
    expect(onWorker).toContain('"active": false');
    expect(onWorker).toMatch(/"ok": true,\s*"checked": \d+/);
    expect(normalizeRun(onWorker)).toBe(normalizeRun(walk(node.url, node.data)));
  });
});
