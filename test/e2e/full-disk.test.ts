import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_WORKLOAD_ISSUER, devTokenSigner, readDevKeys } from '../../src/node/dev-mode.ts';
import { freePort } from '../support/free-port.ts';
import { CLI, ROOT } from '../support/paths.ts';

// A real full disk: `tollgate serve --dev` with its database, its WAL and its log (stdout and
// stderr) on a small tmpfs that is then filled to the last byte. It must answer 503 and issue
// nothing, stay up, say it is not ready, and serve again once space is freed — no restart.
// Mounting needs root (as on CI); elsewhere this is skipped.
const MNT = mkdtempSync(join(tmpdir(), 'tollgate-full-'));
const mounted = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', MNT], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) await new Promise((r) => (child!.once('exit', r), child!.kill('SIGKILL')));
  if (mounted) execFileSync('umount', ['-l', MNT]);
  rmSync(MNT, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a full disk under the database and the log', () => {
  it('answers 503 while full, stays up and not ready, and serves again once space is freed', { timeout: 120_000 }, async () => {
    const data = join(MNT, 'data');
    mkdirSync(data);
    const log = join(MNT, 'server.log');
    const fd = openSync(log, 'w');
    const port = await freePort();
    child = spawn(process.execPath, [CLI, 'serve', '--dev', '--port', String(port), '--data', data], { cwd: ROOT, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; !readFileSync(log, 'utf8').includes('admin key:'); i++) {
      if (i > 300 || child.exitCode !== null) throw new Error(`server did not start:\n${readFileSync(log, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const sign = await devTokenSigner(readDevKeys(data).workload, DEV_WORKLOAD_ISSUER);
    const exchange = async (i: number) => {
      const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await sign('spiffe://dev.local/agent/demo', 600), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read', task_id: `t-${i}` });
      const r = await fetch(`${url}/oauth/token`, { method: 'POST', body });
      return { status: r.status, body: (await r.json()) as Record<string, string> };
    };
    expect((await exchange(0)).status).toBe(200);

    // Fill the file system to its last byte.
    const filler = join(MNT, 'filler');
    const f = openSync(filler, 'w');
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
      for (;;) {
        try {
          writeSync(f, Buffer.alloc(size));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
    closeSync(f);

    // SQLite may still find room in the pages its WAL already holds; it runs out soon after.
    let refused: { status: number; body: Record<string, string> } | null = null;
    for (let i = 1; i < 5000 && !refused; i++) {
      const r = await exchange(i);
      if (r.status === 200) continue;
      refused = r;
    }
    expect(refused).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(refused!.body.access_token).toBeUndefined();
    const ready = await fetch(`${url}/healthz/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${url}/healthz/live`)).status).toBe(200);
    expect(child.exitCode).toBeNull();

    // Space freed: the same process serves again, and is ready.
    rmSync(filler);
    let served = 0;
    for (let i = 0; i < 200 && served === 0; i++) {
      if ((await exchange(10_000 + i)).status === 200) served++;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(served).toBe(1);
    let readyAgain = 0;
    for (let i = 0; i < 100 && readyAgain !== 200; i++) {
      readyAgain = (await fetch(`${url}/healthz/ready`)).status;
      if (readyAgain !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(readyAgain).toBe(200);
    expect(child.exitCode).toBeNull();

    await new Promise((r) => (child!.once('exit', r), child!.kill('SIGTERM')));
    // Nothing half-written: the chain verifies.
    const v = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--db', join(data, 'tollgate.db')], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
  });
});
